using Mailflow.Cluster;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
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

    [Inject] private ReceiveConnectorService Connectors { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IServiceProvider ServiceProvider { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<ReceiveConnector>? _connectors;
    private string? _loadError;
    private AdminActor _actor = new("anonymous", new HashSet<string>());
    private IReceiveStatus? _receiveStatus;
    private ITimer? _refreshTimer;

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        // Only the server process runs an engine; elsewhere (tests, a store-only host) there is no count.
        _receiveStatus = ServiceProvider.GetService<IReceiveStatus>();
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
        if (_receiveStatus is not null && RendererInfo.IsInteractive)
            _refreshTimer = Time.CreateTimer(_ => InvokeAsync(StateHasChanged), null, SessionRefreshInterval, SessionRefreshInterval);
    }

    private string SessionCount(ReceiveConnector connector) =>
        _receiveStatus is null ? "–" : _receiveStatus.ActiveSessions(connector.Id).ToString(System.Globalization.CultureInfo.CurrentCulture);

    private async Task LoadAsync()
    {
        try
        {
            _connectors = await Connectors.ListAsync();
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The receive connectors could not be read from the store: {ex.Message}";
            _connectors ??= [];
        }
    }

    private async Task AddAsync()
    {
        var saved = await ShowEditorAsync("Add receive connector", existing: null);
        if (saved is not null)
            Snackbar.Add($"Receive connector {saved.Name} was created.", Severity.Success);
    }

    private async Task EditAsync(ReceiveConnector connector)
    {
        var saved = await ShowEditorAsync($"Edit {connector.Name}", connector);
        if (saved is not null)
            Snackbar.Add($"{saved.Name} saved.", Severity.Success);
    }

    private async Task<ReceiveConnector?> ShowEditorAsync(string title, ReceiveConnector? existing)
    {
        var parameters = new DialogParameters<ReceiveConnectorDialog>
        {
            { d => d.Existing, existing },
            { d => d.Actor, _actor },
        };
        var dialog = await Dialogs.ShowAsync<ReceiveConnectorDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        await LoadAsync();
        return result is null || result.Canceled ? null : result.Data as ReceiveConnector;
    }

    private async Task SetEnabledAsync(ReceiveConnector connector, bool enabled)
    {
        if (!enabled)
        {
            var confirmed = await Dialogs.ShowMessageBoxAsync("Disable receive connector",
                (MarkupString)$"Disable <b>{System.Net.WebUtility.HtmlEncode(connector.Name)}</b>? Mailflow stops listening on its bindings; sessions in progress finish.",
                yesText: "Disable", cancelText: "Cancel");
            if (confirmed != true)
                return;
        }
        var fresh = await Connectors.GetAsync(connector.Id);
        if (fresh is null)
        {
            Snackbar.Add("That receive connector no longer exists.", Severity.Error);
            await LoadAsync();
            return;
        }
        fresh.Enabled = enabled;
        await RunAsync(async () =>
        {
            await Connectors.UpdateAsync(_actor, fresh);
            Snackbar.Add($"{connector.Name} is now {(enabled ? "enabled" : "disabled")}.", Severity.Success);
        });
    }

    private async Task CopyAsync(ReceiveConnector connector)
    {
        var name = $"Copy of {connector.Name}";
        for (var n = 2; _connectors!.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)); n++)
            name = $"Copy {n} of {connector.Name}";
        await RunAsync(async () =>
        {
            var copy = await Connectors.CopyAsync(_actor, connector.Id, name);
            Snackbar.Add($"{copy.Name} was created, disabled: change its bindings, then enable it.", Severity.Success);
        });
    }

    private async Task RemoveAsync(ReceiveConnector connector)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Remove receive connector",
            (MarkupString)$"Remove <b>{System.Net.WebUtility.HtmlEncode(connector.Name)}</b>? Mailflow stops listening on {System.Net.WebUtility.HtmlEncode(string.Join(", ", connector.Bindings))} for it as soon as the change is saved.",
            yesText: "Remove", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await RunAsync(async () =>
        {
            await Connectors.DeleteAsync(_actor, connector.Id);
            Snackbar.Add($"{connector.Name} was removed.", Severity.Success);
        });
    }

    /// <summary>Runs a one-click change; the service's refusal becomes a message, then the list reloads.</summary>
    private async Task RunAsync(Func<Task> change)
    {
        try
        {
            await change();
        }
        catch (ConfigurationValidationException ex)
        {
            Snackbar.Add(string.Join(" ", ex.Errors.SelectMany(e => e.Value)), Severity.Error);
        }
        catch (Exception ex) when (ex is ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }

    public void Dispose() => _refreshTimer?.Dispose();
}
