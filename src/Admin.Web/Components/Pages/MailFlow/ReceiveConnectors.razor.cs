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

    private IReceiveStatus? _receiveStatus;
    private ITimer? _refreshTimer;

    protected override string Noun => "receive connector";

    protected override Task<IReadOnlyList<ReceiveConnector>> ListAsync() => Service.ListAsync();

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
            await Service.UpdateAsync(Actor, fresh);
            Snackbar.Add($"{connector.Name} is now {(enabled ? "enabled" : "disabled")}.", Severity.Success);
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
