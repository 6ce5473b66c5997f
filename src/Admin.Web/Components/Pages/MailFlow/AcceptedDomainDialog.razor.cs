using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Add or edit one accepted domain. Field checks run as the admin types (the service's own
/// <see cref="AcceptedDomainService.ValidateFields"/>); what only the store can know (a duplicate,
/// the default domain rule, a concurrent edit) comes back from the save and lands next to its field.
/// Closes with the saved domain.
/// </summary>
public sealed partial class AcceptedDomainDialog
{
    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private AcceptedDomainService Domains { get; set; } = default!;

    /// <summary>The domain to edit; null to add a new one.</summary>
    [Parameter] public AcceptedDomain? Existing { get; set; }

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private AcceptedDomain _draft = new();
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private bool _domainNameTouched;
    private string? _generalError;
    private bool _saving;

    private bool IsNew => Existing is null;

    protected override void OnInitialized()
    {
        _draft = Existing is null
            ? new AcceptedDomain()
            : new AcceptedDomain
            {
                Id = Existing.Id,
                DomainName = Existing.DomainName,
                Type = Existing.Type,
                MatchSubdomains = Existing.MatchSubdomains,
                IsDefault = Existing.IsDefault,
                Revision = Existing.Revision,
            };
    }

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private void OnDomainNameChanged(string value)
    {
        _draft.DomainName = value;
        _domainNameTouched = true;
        ValidateFields();
    }

    /// <summary>Replaces the field messages with the service's store-free checks; returns whether they pass.</summary>
    private bool ValidateFields()
    {
        _errors.Clear();
        var errors = AcceptedDomainService.ValidateFields(_draft);
        foreach (var field in new[] { nameof(AcceptedDomain.DomainName), nameof(AcceptedDomain.Type) })
        {
            if (errors.For(field) is [var first, ..] && (field != nameof(AcceptedDomain.DomainName) || _domainNameTouched))
                _errors[field] = first;
        }
        return errors.IsEmpty;
    }

    /// <summary>Enter in the name field saves, as it would submit a form; the name is the one field a new domain needs.</summary>
    private Task OnDomainNameKeyDownAsync(KeyboardEventArgs e) =>
        e.Key == "Enter" && !_saving ? SaveAsync() : Task.CompletedTask;

    private async Task SaveAsync()
    {
        _domainNameTouched = true;
        _generalError = null;
        if (!ValidateFields())
            return;
        _saving = true;
        try
        {
            var saved = IsNew
                ? await Domains.CreateAsync(Actor, _draft)
                : await Domains.UpdateAsync(Actor, _draft);
            Dialog.Close(DialogResult.Ok(saved));
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _generalError = SaveErrors.Route(ex, FieldsShownInline, _errors);
        }
        finally
        {
            _saving = false;
        }
    }

    private static readonly string[] FieldsShownInline = [nameof(AcceptedDomain.DomainName), nameof(AcceptedDomain.Type), nameof(AcceptedDomain.IsDefault)];

    private void Cancel() => Dialog.Cancel();
}
