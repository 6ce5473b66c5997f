using System.Globalization;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Mail flow › Remote domains: the entries of <see cref="RemoteDomainService"/> (the default * entry
/// first among equals: editable, never removable), added and edited in one form above the list. Saves go
/// through the service (roles, validation, audit, a new generation); a refused save shows its messages
/// next to the fields.
/// </summary>
public sealed partial class RemoteDomains
{
    [Inject] private RemoteDomainService Domains { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private static readonly string[] Fields =
    [
        nameof(RemoteDomain.Name), nameof(RemoteDomain.DomainName), nameof(RemoteDomain.CharacterSet), nameof(RemoteDomain.NonMimeCharacterSet),
        nameof(RemoteDomain.LineWrapSize), nameof(RemoteDomain.TrustedPartner),
    ];

    private IReadOnlyList<RemoteDomain>? _entries;
    private RemoteDomain _draft = new();
    private RemoteDomain? _editing;
    private string? _lineWrap;
    private readonly Dictionary<string, string> _fieldErrors = new(StringComparer.Ordinal);
    private string? _formError;
    private string? _loadError;
    private bool _saving;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    private string? ErrorFor(string field) => _fieldErrors.GetValueOrDefault(field);

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _entries = await Domains.ListAsync();
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The remote domains could not be read from the store: {ex.Message}";
            _entries ??= [];
        }
    }

    private static string Refused(RemoteDomain entry)
    {
        var refused = new List<string>();
        if (!entry.AllowAutomaticReplies) refused.Add("automatic replies");
        if (!entry.AllowAutomaticForwards) refused.Add("automatic forwards");
        if (!entry.AllowDeliveryReports) refused.Add("delivery reports");
        if (!entry.AllowNonDeliveryReports) refused.Add("NDRs");
        return refused.Count == 0 ? "Everything allowed" : string.Join(", ", refused);
    }

    private static string Content(RemoteDomain entry)
    {
        var parts = new List<string>();
        if (entry.CharacterSet is { } charset) parts.Add($"MIME: {charset}");
        if (entry.NonMimeCharacterSet is { } nonMime) parts.Add($"non-MIME: {nonMime}");
        parts.Add(entry.LineWrapSize is { } wrap ? $"wrap at {wrap}" : "no wrapping");
        return string.Join(", ", parts);
    }

    private void Edit(RemoteDomain entry)
    {
        _editing = entry;
        _draft = new RemoteDomain
        {
            Id = entry.Id, Name = entry.Name, DomainName = entry.DomainName, AllowAutomaticReplies = entry.AllowAutomaticReplies,
            AllowAutomaticForwards = entry.AllowAutomaticForwards, AllowDeliveryReports = entry.AllowDeliveryReports,
            AllowNonDeliveryReports = entry.AllowNonDeliveryReports, CharacterSet = entry.CharacterSet, NonMimeCharacterSet = entry.NonMimeCharacterSet,
            LineWrapSize = entry.LineWrapSize, TrustedPartner = entry.TrustedPartner, Revision = entry.Revision,
        };
        _lineWrap = entry.LineWrapSize?.ToString(CultureInfo.InvariantCulture);
        _fieldErrors.Clear();
        _formError = null;
    }

    private void CancelEdit()
    {
        _editing = null;
        _draft = new RemoteDomain();
        _lineWrap = null;
        _fieldErrors.Clear();
        _formError = null;
    }

    private async Task SaveAsync()
    {
        _fieldErrors.Clear();
        _formError = null;
        var wrap = (_lineWrap ?? "").Trim();
        if (wrap.Length == 0 || wrap.Equals("unlimited", StringComparison.OrdinalIgnoreCase))
            _draft.LineWrapSize = null;
        else if (int.TryParse(wrap, NumberStyles.None, CultureInfo.InvariantCulture, out var width))
            _draft.LineWrapSize = width;
        else
        {
            _fieldErrors[nameof(RemoteDomain.LineWrapSize)] = "Enter a number of characters (78 is customary), or leave it empty for unlimited.";
            return;
        }
        _saving = true;
        try
        {
            var saved = _editing is null ? await Domains.CreateAsync(_actor, _draft) : await Domains.UpdateAsync(_actor, _draft);
            Snackbar.Add($"{saved.Name} ({saved.DomainName}) saved.", Severity.Success);
            CancelEdit();
            await LoadAsync();
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _formError = SaveErrors.Route(ex, Fields, _fieldErrors);
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task RemoveAsync(RemoteDomain entry)
    {
        try
        {
            await Domains.DeleteAsync(_actor, entry.Id);
            Snackbar.Add($"{entry.Name} ({entry.DomainName}) was removed.", Severity.Success);
            if (_editing?.Id == entry.Id)
                CancelEdit();
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
