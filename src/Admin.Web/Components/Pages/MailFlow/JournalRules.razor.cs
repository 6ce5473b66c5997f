using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>Journal rules: list, add, edit, remove, every change through <see cref="JournalRuleService"/> (roles, validation, audit, new generation).</summary>
public sealed partial class JournalRules
{
    [Inject] private JournalRuleService Rules { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<JournalRule>? _rules;
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
            _rules = await Rules.ListAsync();
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The journal rules could not be read from the store: {ex.Message}";
            _rules ??= [];
        }
    }

    private async Task AddAsync()
    {
        if (await ShowEditorAsync("Add journal rule", existing: null) is { } saved)
            Snackbar.Add($"{saved.Name} journals to {saved.JournalAddress}.", Severity.Success);
    }

    private async Task EditAsync(JournalRule rule)
    {
        if (await ShowEditorAsync($"Edit {rule.Name}", rule) is { } saved)
            Snackbar.Add($"{saved.Name} saved.", Severity.Success);
    }

    private async Task<JournalRule?> ShowEditorAsync(string title, JournalRule? existing)
    {
        var parameters = new DialogParameters<JournalRuleDialog> { { d => d.Existing, existing }, { d => d.Actor, _actor } };
        var dialog = await Dialogs.ShowAsync<JournalRuleDialog>(title, parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        await LoadAsync();
        return result is null || result.Canceled ? null : result.Data as JournalRule;
    }

    private async Task RemoveAsync(JournalRule rule)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Remove journal rule",
            (MarkupString)$"Remove <b>{System.Net.WebUtility.HtmlEncode(rule.Name)}</b>? Messages stop being journaled by it as soon as the change is saved.",
            yesText: "Remove", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Rules.DeleteAsync(_actor, rule.Id);
            Snackbar.Add($"{rule.Name} was removed.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationValidationException or ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
