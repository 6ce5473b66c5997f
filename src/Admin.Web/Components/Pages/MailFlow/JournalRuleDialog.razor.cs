using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>Add or edit one journal rule; the service's field checks run as the admin types, store checks come back from the save next to their field.</summary>
public sealed partial class JournalRuleDialog
{
    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;
    [Inject] private JournalRuleService Rules { get; set; } = default!;

    [Parameter] public JournalRule? Existing { get; set; }
    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private JournalRule _draft = new();
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private bool _touched;
    private string? _generalError;
    private bool _saving;

    private static readonly string[] Fields =
        [nameof(JournalRule.Name), nameof(JournalRule.Scope), nameof(JournalRule.Recipient), nameof(JournalRule.JournalAddress), nameof(JournalRule.AlternateJournalAddress)];

    public static string ScopeText(JournalScope scope) => scope switch
    {
        JournalScope.Internal => "Messages whose sender and every recipient are inside the organization.",
        JournalScope.External => "Messages from or to someone outside the organization.",
        _ => "Every message.",
    };

    protected override void OnInitialized() => _draft = Existing is null ? new JournalRule() : new JournalRule
    {
        Id = Existing.Id, Name = Existing.Name, Enabled = Existing.Enabled, Scope = Existing.Scope, Recipient = Existing.Recipient,
        JournalAddress = Existing.JournalAddress, AlternateJournalAddress = Existing.AlternateJournalAddress, Revision = Existing.Revision,
    };

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private void Change(Action change)
    {
        change();
        _touched = true;
        ValidateFields();
    }

    private bool ValidateFields()
    {
        _errors.Clear();
        var errors = JournalRuleService.ValidateFields(_draft);
        if (_touched)
            foreach (var field in Fields)
                if (errors.For(field) is [var first, ..])
                    _errors[field] = first;
        return errors.IsEmpty;
    }

    private async Task SaveAsync()
    {
        _touched = true;
        _generalError = null;
        if (!ValidateFields())
            return;
        _saving = true;
        try
        {
            var saved = Existing is null ? await Rules.CreateAsync(Actor, _draft) : await Rules.UpdateAsync(Actor, _draft);
            Dialog.Close(DialogResult.Ok(saved));
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _generalError = SaveErrors.Route(ex, Fields, _errors);
        }
        finally
        {
            _saving = false;
        }
    }

    private void Cancel() => Dialog.Cancel();
}
