using System.Net;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Receive connectors: list with live session counts, add, edit, copy, enable/disable, remove. Every change
/// goes through <see cref="ReceiveConnectorService"/>, which checks roles, validates, audits and publishes
/// a configuration generation that the receive engine applies to its listeners at once.
/// </summary>
public sealed partial class ReceiveConnectors : IDisposable
{
    private static readonly TimeSpan SessionRefreshInterval = TimeSpan.FromSeconds(5);

    [Inject] private ReceiveConnectorService Service { get; set; } = default!;
    [Inject] private IServiceProvider ServiceProvider { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private Cluster.NodeListenerStatusReader ListenerStatus { get; set; } = default!;
    [Inject] private Cluster.GenerationStatusReader Generations { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<MailflowOptions> Options { get; set; } = default!;

    /// <summary>How long a save waits for this node's listeners to apply it before confirming without their result.</summary>
    private static readonly TimeSpan ApplyWait = TimeSpan.FromSeconds(5);

    private IReceiveStatus? _receiveStatus;
    private ITimer? _refreshTimer;
    private IReadOnlyList<NodeListenerFailure> _listenerFailures = [];

    protected override string Noun => "receive connector";

    protected override async Task<IReadOnlyList<ReceiveConnector>> ListAsync()
    {
        var connectors = await Service.ListAsync();
        _listenerFailures = await ReadListenerFailuresAsync();
        return connectors;
    }

    /// <summary>
    /// Other nodes' bind results from their heartbeats; this node's straight from its engine, which knows them
    /// before its heartbeat has stored them.
    /// </summary>
    private async Task<IReadOnlyList<NodeListenerFailure>> ReadListenerFailuresAsync()
    {
        var stored = await ListenerStatus.ReadAsync(CancellationToken.None);
        if (_receiveStatus is null)
            return stored;
        var thisNode = Options.Value.ResolvedNodeName;
        return [.. stored.Where(f => f.Node != thisNode), .. _receiveStatus.BindFailures.Select(f => new NodeListenerFailure(thisNode, f))];
    }

    private IReadOnlyList<NodeListenerFailure> FailuresOf(ReceiveConnector connector) =>
        [.. _listenerFailures.Where(f => f.Failure.ConnectorId == connector.Id)];

    protected override async Task ReportSavedAsync(ReceiveConnector saved, string message)
    {
        if (_receiveStatus is null || !saved.Enabled)
        {
            await base.ReportSavedAsync(saved, message);
            return;
        }
        var latest = (await Generations.ReadAsync(CancellationToken.None)).LatestGeneration;
        if (!await _receiveStatus.WaitForAppliedAsync(latest, ApplyWait, CancellationToken.None))
        {
            Snackbar.Add($"{message} This node has not applied it yet; the Listening column shows each node's result.", Severity.Info);
            return;
        }
        var failures = _receiveStatus.BindFailures.Where(f => f.ConnectorId == saved.Id).ToList();
        _listenerFailures = await ReadListenerFailuresAsync();
        if (failures.Count == 0)
        {
            await base.ReportSavedAsync(saved, $"{message} This node listens on {string.Join(", ", saved.Bindings)}.");
            return;
        }
        Snackbar.Add($"{message} But this node ({Options.Value.ResolvedNodeName}) could not listen on "
            + string.Join("; ", failures.Select(f => $"{f.Binding}: {f.Reason}"))
            + ". Clients cannot reach the connector there until the port is free or the binding changed.",
            Severity.Error, o => o.RequireInteraction = true);
    }

    protected override Task DeleteAsync(Guid id) => Service.DeleteAsync(Actor, id);

    protected override string RemovalConsequence(ReceiveConnector connector) =>
        $"Mailflow stops listening on {WebUtility.HtmlEncode(string.Join(", ", connector.Bindings))} for it as soon as the change is saved.";

    protected override async Task OnInitializedAsync()
    {
        // Only the server process runs an engine; elsewhere (tests, a store-only host) there is no count.
        _receiveStatus = ServiceProvider.GetService<IReceiveStatus>();
        await base.OnInitializedAsync();
        if (_receiveStatus is not null && RendererInfo.IsInteractive)
            _refreshTimer = Time.CreateTimer(_ => InvokeAsync(StateHasChanged), null, SessionRefreshInterval, SessionRefreshInterval);
    }

    private string SessionCount(ReceiveConnector connector) =>
        _receiveStatus is null ? "–" : _receiveStatus.ActiveSessions(connector.Id).ToString(System.Globalization.CultureInfo.CurrentCulture);

    private async Task SetEnabledAsync(ReceiveConnector connector, bool enabled)
    {
        if (!enabled && !await ConfirmAsync("Disable receive connector",
                $"Disable <b>{WebUtility.HtmlEncode(connector.Name)}</b>? Mailflow stops listening on its bindings; sessions in progress finish.", "Disable"))
            return;
        var fresh = await Service.GetAsync(connector.Id);
        if (fresh is null)
        {
            Snackbar.Add("That receive connector no longer exists.", Severity.Error);
            await LoadAsync();
            return;
        }
        fresh.Enabled = enabled;
        await RunAsync(async () =>
        {
            var saved = await Service.UpdateAsync(Actor, fresh);
            await ReportSavedAsync(saved, $"{connector.Name} is now {(enabled ? "enabled" : "disabled")}.");
        });
    }

    private async Task CopyAsync(ReceiveConnector connector)
    {
        var name = $"Copy of {connector.Name}";
        for (var n = 2; Connectors!.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)); n++)
            name = $"Copy {n} of {connector.Name}";
        await RunAsync(async () =>
        {
            var copy = await Service.CopyAsync(Actor, connector.Id, name);
            Snackbar.Add($"{copy.Name} was created, disabled: change its bindings, then enable it.", Severity.Success);
        });
    }

    public void Dispose() => _refreshTimer?.Dispose();
}
