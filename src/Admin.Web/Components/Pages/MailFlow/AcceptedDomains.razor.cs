using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Accepted domains: list, add, edit, remove. Every change goes through <see cref="AcceptedDomainService"/>,
/// which checks the admin's roles, validates, audits and publishes a new configuration generation;
/// hiding the buttons for read-only admins is only a courtesy.
/// </summary>
public sealed partial class AcceptedDomains
{
    [Inject] private AcceptedDomainService Domains { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Doctor findings a domain change can cause, shown after each save.</summary>
    private static readonly string[] DomainChecks = ["unreachable-domain"];

    private IReadOnlyList<AcceptedDomain>? _domains;
    private Mailflow.Admin.Web.Components.Shared.DoctorWarnings? _doctor;
    private string? _loadError;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _domains = await Domains.ListAsync();
            _loadError = null;
            if (_doctor is not null)
                await _doctor.RefreshAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The accepted domains could not be read from the store: {ex.Message}";
            _domains ??= [];
        }
    }

    private async Task AddAsync()
    {
        var saved = await ShowEditorAsync("Add accepted domain", existing: null);
        if (saved is not null)
            Snackbar.Add($"{saved.DomainName} is now an accepted domain.", Severity.Success);
    }

    private async Task EditAsync(AcceptedDomain domain)
    {
        var saved = await ShowEditorAsync($"Edit {domain.DomainName}", domain);
        if (saved is not null)
            Snackbar.Add($"{saved.DomainName} saved.", Severity.Success);
    }

    private async Task<AcceptedDomain?> ShowEditorAsync(string title, AcceptedDomain? existing)
    {
        var parameters = new DialogParameters<AcceptedDomainDialog>
        {
            { d => d.Existing, existing },
            { d => d.Actor, _actor },
        };
        var dialog = await Dialogs.ShowAsync<AcceptedDomainDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is null || result.Canceled)
        {
            // A conflict inside the dialog means the list is stale too.
            await LoadAsync();
            return null;
        }
        await LoadAsync();
        return result.Data as AcceptedDomain;
    }

    private async Task RemoveAsync(AcceptedDomain domain)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Remove accepted domain",
            (MarkupString)$"Remove <b>{System.Net.WebUtility.HtmlEncode(domain.DomainName)}</b>? Mailflow will stop accepting mail for it as soon as the change is saved.",
            yesText: "Remove",
            cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Domains.DeleteAsync(_actor, domain.Id);
            Snackbar.Add($"{domain.DomainName} was removed.", Severity.Success);
        }
        catch (ConfigurationValidationException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        catch (Exception ex) when (ex is ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
