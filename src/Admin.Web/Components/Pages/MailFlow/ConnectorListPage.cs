using System.Net;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>The editor dialog a connector list opens to add or edit one connector.</summary>
public interface IConnectorEditor<TConnector>
{
    /// <summary>The connector to edit; null to create a new one.</summary>
    TConnector? Existing { get; set; }

    AdminActor Actor { get; set; }
}

/// <summary>
/// What the receive and send connector lists share: who may change connectors, loading the list together
/// with the doctor's findings for the page, the editor dialog round trip, and one-click changes (remove,
/// enable, copy) that ask first and turn the service's refusal into a message. Every change goes through
/// the connector service, which checks the admin's roles, validates, audits and publishes a generation.
/// </summary>
/// <typeparam name="TDialog">The editor dialog: <typeparamref name="TConnector"/>'s form.</typeparam>
public abstract class ConnectorListPage<TConnector, TDialog> : ComponentBase
    where TConnector : class, IConfigurationObject
    where TDialog : ComponentBase, IConnectorEditor<TConnector>
{
    [Inject] protected IDialogService Dialogs { get; set; } = default!;
    [Inject] protected ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected IReadOnlyList<TConnector>? Connectors { get; private set; }

    protected string? LoadError { get; private set; }

    protected AdminActor Actor { get; private set; } = new("anonymous", new HashSet<string>());

    protected bool CanManage => Actor.CanManageOrganization;

    /// <summary>The page's doctor findings (set with <c>@ref</c>); re-examined with every load.</summary>
    protected DoctorWarnings? Doctor { get; set; }

    /// <summary>"receive connector" or "send connector": used in titles and messages.</summary>
    protected abstract string Noun { get; }

    protected abstract Task<IReadOnlyList<TConnector>> ListAsync();

    protected abstract Task DeleteAsync(Guid id);

    /// <summary>What removing <paramref name="connector"/> stops, as HTML for the confirmation (encode what the admin typed).</summary>
    protected abstract string RemovalConsequence(TConnector connector);

    protected override async Task OnInitializedAsync()
    {
        Actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    /// <summary>Re-reads the list (and the doctor's findings); also what <see cref="LiveRefresh"/> calls after someone else's change.</summary>
    protected async Task LoadAsync()
    {
        try
        {
            Connectors = await ListAsync();
            LoadError = null;
            if (Doctor is not null)
                await Doctor.RefreshAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LoadError = $"The {Noun}s could not be read from the store: {ex.Message}";
            Connectors ??= [];
        }
    }

    protected async Task AddAsync()
    {
        var saved = await ShowEditorAsync($"Add {Noun}", existing: null);
        if (saved is not null)
            await ReportSavedAsync(saved, $"{char.ToUpperInvariant(Noun[0])}{Noun[1..]} {saved.DisplayName} was created.");
    }

    protected async Task EditAsync(TConnector connector)
    {
        var saved = await ShowEditorAsync($"Edit {connector.DisplayName}", connector);
        if (saved is not null)
            await ReportSavedAsync(saved, $"{saved.DisplayName} saved.");
    }

    /// <summary>The save confirmation; a page may add what the save caused on this node (a listener that could not bind).</summary>
    protected virtual Task ReportSavedAsync(TConnector saved, string message)
    {
        Snackbar.Add(message, Severity.Success);
        return Task.CompletedTask;
    }

    private async Task<TConnector?> ShowEditorAsync(string title, TConnector? existing)
    {
        var parameters = new DialogParameters
        {
            { nameof(IConnectorEditor<TConnector>.Existing), existing },
            { nameof(IConnectorEditor<TConnector>.Actor), Actor },
        };
        var dialog = await Dialogs.ShowAsync<TDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        // Reload either way: a conflict inside the dialog means the list is stale too.
        await LoadAsync();
        return result is null || result.Canceled ? null : result.Data as TConnector;
    }

    protected async Task RemoveAsync(TConnector connector)
    {
        if (!await ConfirmAsync($"Remove {Noun}",
                $"Remove <b>{WebUtility.HtmlEncode(connector.DisplayName)}</b>? {RemovalConsequence(connector)}", "Remove"))
            return;
        await RunAsync(async () =>
        {
            await DeleteAsync(connector.Id);
            Snackbar.Add($"{connector.DisplayName} was removed.", Severity.Success);
        });
    }

    /// <param name="html">The question, as HTML: encode anything the admin typed.</param>
    protected async Task<bool> ConfirmAsync(string title, string html, string yes) =>
        await Dialogs.ShowMessageBoxAsync(title, (MarkupString)html, yesText: yes, cancelText: "Cancel") == true;

    /// <summary>Runs a one-click change; the service's refusal becomes a message, then the list reloads.</summary>
    protected async Task RunAsync(Func<Task> change)
    {
        try
        {
            await change();
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            // A validation refusal's message is its field messages joined.
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
