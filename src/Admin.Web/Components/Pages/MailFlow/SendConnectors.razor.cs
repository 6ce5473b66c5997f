using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Send connectors: list, add, edit, remove, and test (a real SMTP session to the next hop, no message sent).
/// Changes go through <see cref="SendConnectorService"/>; the smart-host password is write-only.
/// </summary>
public sealed partial class SendConnectors
{
    [Inject] private SendConnectorService Connectors { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IServiceProvider ServiceProvider { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<SendConnector>? _connectors;
    private string? _loadError;
    private AdminActor _actor = new("anonymous", new HashSet<string>());
    private ISendConnectorTester? _tester;

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        // The tester lives in the server process (it owns DNS and the SMTP client).
        _tester = ServiceProvider.GetService<ISendConnectorTester>();
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _connectors = await Connectors.ListAsync();
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The send connectors could not be read from the store: {ex.Message}";
            _connectors ??= [];
        }
    }

    private async Task AddAsync()
    {
        var saved = await ShowEditorAsync("Add send connector", existing: null);
        if (saved is not null)
            Snackbar.Add($"Send connector {saved.Name} was created.", Severity.Success);
    }

    private async Task EditAsync(SendConnector connector)
    {
        var saved = await ShowEditorAsync($"Edit {connector.Name}", connector);
        if (saved is not null)
            Snackbar.Add($"{saved.Name} saved.", Severity.Success);
    }

    private async Task<SendConnector?> ShowEditorAsync(string title, SendConnector? existing)
    {
        var parameters = new DialogParameters<SendConnectorDialog>
        {
            { d => d.Existing, existing },
            { d => d.Actor, _actor },
        };
        var dialog = await Dialogs.ShowAsync<SendConnectorDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        await LoadAsync();
        return result is null || result.Canceled ? null : result.Data as SendConnector;
    }

    private async Task TestAsync(SendConnector connector)
    {
        var parameters = new DialogParameters<SendConnectorTestDialog> { { d => d.Connector, connector } };
        await Dialogs.ShowAsync<SendConnectorTestDialog>($"Test {connector.Name}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
    }

    private async Task RemoveAsync(SendConnector connector)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Remove send connector",
            (MarkupString)$"Remove <b>{System.Net.WebUtility.HtmlEncode(connector.Name)}</b>? Mail for {System.Net.WebUtility.HtmlEncode(string.Join(", ", connector.AddressSpaces.Select(s => s.Domain)))} will use another connector, or wait in the Unreachable queue if none serves it.",
            yesText: "Remove", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Connectors.DeleteAsync(_actor, connector.Id);
            Snackbar.Add($"{connector.Name} was removed.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationValidationException or ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
