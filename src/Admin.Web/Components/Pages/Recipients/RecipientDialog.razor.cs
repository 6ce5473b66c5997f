using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Recipients;

/// <summary>
/// Create or edit a recipient of any kind. Field checks run as the admin types with
/// <see cref="RecipientService.ValidateFields"/>; address clashes and missing targets come back from the save.
/// Pickers (alias target, group members) search the recipients the page already loaded.
/// </summary>
public sealed partial class RecipientDialog
{
    private static readonly string[] FieldsShownInline =
    [
        nameof(Recipient.PrimaryAddress), nameof(Recipient.DisplayName), nameof(Recipient.ExtraAddresses), nameof(Recipient.DeliveryTarget),
        nameof(Recipient.SendAs), nameof(Recipient.ForwardToId), nameof(Recipient.MemberIds), nameof(Recipient.ExternalAddress),
    ];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private RecipientService Recipients { get; set; } = default!;

    [Parameter] public Recipient? Existing { get; set; }
    [Parameter] public RecipientKind InitialKind { get; set; }
    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;
    [Parameter, EditorRequired] public IReadOnlyList<Recipient> AllRecipients { get; set; } = [];

    private Recipient _draft = new();
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private bool _addressTouched;
    private bool _submitted;
    private string? _generalError;
    private bool _saving;
    private string _newExtra = "";
    private string _newSendAs = "";
    private Recipient? _memberPick;
    private NewPasswordChoice _passwordChoice = NewPasswordChoice.None;
    private string _password = "";
    private bool _passwordTouched;

    private const string PasswordField = "Password";

    private bool IsNew => Existing is null;

    private bool SetsPassword => IsNew && _draft.Kind == RecipientKind.Mailbox && _passwordChoice == NewPasswordChoice.Set;

    private Recipient? ForwardTarget => AllRecipients.FirstOrDefault(r => r.Id == _draft.ForwardToId);

    private IEnumerable<Recipient> Members => _draft.MemberIds.Select(id => AllRecipients.FirstOrDefault(r => r.Id == id)).OfType<Recipient>();

    protected override void OnInitialized()
    {
        if (Existing is null)
        {
            _draft = new Recipient { Kind = InitialKind };
            return;
        }
        _draft = new Recipient { Id = Existing.Id, Revision = Existing.Revision, Kind = Existing.Kind };
        RecipientService.CopyEditableFields(Existing, _draft);
        _addressTouched = true;
    }

    private static string Describe(Recipient? r) =>
        r is null ? "" : string.IsNullOrWhiteSpace(r.DisplayName) ? r.PrimaryAddress : $"{r.DisplayName} <{r.PrimaryAddress}>";

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private bool Has(string field) => _errors.ContainsKey(field);

    private void Change(Action apply)
    {
        apply();
        ValidateFields();
    }

    private void OnAddressChanged(string value)
    {
        _draft.PrimaryAddress = value ?? "";
        _addressTouched = true;
        ValidateFields();
    }

    private bool ValidateFields()
    {
        _errors.Clear();
        var errors = RecipientService.ValidateFields(_draft);
        foreach (var field in FieldsShownInline)
        {
            if (!_submitted && (field == nameof(Recipient.PrimaryAddress) && !_addressTouched || field == nameof(Recipient.ForwardToId) && _draft.ForwardToId is null))
                continue;
            // A new Maildir mailbox gets its folder from the address when the target is left empty.
            if (field == nameof(Recipient.DeliveryTarget) && IsNew && _draft.DeliveryKind == MailboxDeliveryKind.Maildir && string.IsNullOrWhiteSpace(_draft.DeliveryTarget))
                continue;
            if (errors.For(field) is { Count: > 0 } messages)
                _errors[field] = string.Join(" ", messages);
        }
        if (SetsPassword && (_submitted || _passwordTouched) && _password.Length < RecipientService.MinimumPasswordLength)
            _errors[PasswordField] = $"Use at least {RecipientService.MinimumPasswordLength} characters.";
        return _errors.Count == 0 && errors.For(nameof(Recipient.Kind)).Count == 0;
    }

    private Task<IEnumerable<Recipient>> SearchAsync(string? text, CancellationToken cancellationToken) =>
        Task.FromResult(Matching(text).Where(r => r.Id != _draft.Id));

    private Task<IEnumerable<Recipient>> SearchMembersAsync(string? text, CancellationToken cancellationToken) =>
        Task.FromResult(Matching(text).Where(r => r.Id != _draft.Id && !_draft.MemberIds.Contains(r.Id)));

    private IEnumerable<Recipient> Matching(string? text) =>
        AllRecipients
            .Where(r => string.IsNullOrWhiteSpace(text)
                        || r.PrimaryAddress.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase)
                        || r.DisplayName.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase))
            .OrderBy(r => r.PrimaryAddress, StringComparer.OrdinalIgnoreCase)
            .Take(20);

    private void OnForwardChanged(Recipient? target) => Change(() => _draft.ForwardToId = target?.Id);

    private void OnMemberPicked(Recipient? member)
    {
        if (member is not null && !_draft.MemberIds.Contains(member.Id))
            _draft.MemberIds.Add(member.Id);
        _memberPick = null;
        ValidateFields();
    }

    private void AddExtra()
    {
        var address = _newExtra.Trim();
        if (address.Length > 0 && !_draft.ExtraAddresses.Contains(address, StringComparer.OrdinalIgnoreCase))
            _draft.ExtraAddresses.Add(address);
        _newExtra = "";
        ValidateFields();
    }

    private void OnExtraKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            AddExtra();
    }

    private void AddSendAs()
    {
        var address = _newSendAs.Trim();
        if (address.Length > 0 && !_draft.SendAs.Contains(address, StringComparer.OrdinalIgnoreCase))
            _draft.SendAs.Add(address);
        _newSendAs = "";
        ValidateFields();
    }

    private void OnSendAsKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            AddSendAs();
    }

    private async Task SaveAsync()
    {
        _submitted = true;
        _generalError = null;
        if (!ValidateFields())
            return;
        _saving = true;
        try
        {
            var saved = IsNew ? await Recipients.CreateAsync(Actor, _draft) : await Recipients.UpdateAsync(Actor, _draft);
            Dialog.Close(DialogResult.Ok(await WithPasswordAsync(saved)));
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

    /// <summary>A new mailbox gets the password chosen in the dialog (checked before the create, so this does not refuse).</summary>
    private async Task<RecipientSaved> WithPasswordAsync(Recipient saved)
    {
        if (!IsNew || saved.Kind != RecipientKind.Mailbox || _passwordChoice == NewPasswordChoice.None)
            return new RecipientSaved(saved);
        var generated = _passwordChoice == NewPasswordChoice.Generate ? RecipientDirectory.GeneratePassword() : null;
        var withPassword = await Recipients.SetSubmissionPasswordAsync(Actor, saved.Id, saved.Revision, generated ?? _password);
        return new RecipientSaved(withPassword, generated);
    }

    private void Cancel() => Dialog.Cancel();
}
