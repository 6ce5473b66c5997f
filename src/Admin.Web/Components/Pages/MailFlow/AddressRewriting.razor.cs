using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Mail flow › Address rewriting: the entries of <see cref="AddressRewriteService"/>, added and edited
/// in one form above the list. Saves go through the service (roles, validation, audit, a new
/// generation); a refused save shows its messages next to the fields.
/// </summary>
public sealed partial class AddressRewriting
{
    [Inject] private AddressRewriteService Rewrites { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private static readonly string[] Fields =
    [
        nameof(AddressRewriteEntry.Name), nameof(AddressRewriteEntry.InternalAddress), nameof(AddressRewriteEntry.ExternalAddress),
        nameof(AddressRewriteEntry.ExceptionList), nameof(AddressRewriteEntry.OutboundOnly),
    ];

    private IReadOnlyList<AddressRewriteEntry>? _entries;
    private AddressRewriteEntry _draft = new();
    private AddressRewriteEntry? _editing;
    private string? _exceptions;
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
            _entries = await Rewrites.ListAsync();
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The address rewriting entries could not be read from the store: {ex.Message}";
            _entries ??= [];
        }
    }

    private void Edit(AddressRewriteEntry entry)
    {
        _editing = entry;
        _draft = new AddressRewriteEntry
        {
            Id = entry.Id, Name = entry.Name, InternalAddress = entry.InternalAddress, ExternalAddress = entry.ExternalAddress,
            ExceptionList = [.. entry.ExceptionList], OutboundOnly = entry.OutboundOnly, Enabled = entry.Enabled, Revision = entry.Revision,
        };
        _exceptions = string.Join(", ", entry.ExceptionList);
        _fieldErrors.Clear();
        _formError = null;
    }

    private void CancelEdit()
    {
        _editing = null;
        _draft = new AddressRewriteEntry();
        _exceptions = null;
        _fieldErrors.Clear();
        _formError = null;
    }

    private async Task SaveAsync()
    {
        _saving = true;
        _fieldErrors.Clear();
        _formError = null;
        try
        {
            _draft.ExceptionList = [.. (_exceptions ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            var saved = _editing is null ? await Rewrites.CreateAsync(_actor, _draft) : await Rewrites.UpdateAsync(_actor, _draft);
            Snackbar.Add($"{saved.Name}: {saved.InternalAddress} → {saved.ExternalAddress} saved.", Severity.Success);
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

    private async Task RemoveAsync(AddressRewriteEntry entry)
    {
        try
        {
            await Rewrites.DeleteAsync(_actor, entry.Id);
            Snackbar.Add($"{entry.Name} was removed.", Severity.Success);
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
