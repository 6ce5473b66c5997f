using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Settings;

/// <summary>
/// Organization settings: timers shown in human units (stored as seconds), sizes in MB (stored as bytes).
/// Saved through <see cref="OrganizationSettingsService"/>, which checks roles, validates and audits.
/// </summary>
public sealed partial class OrganizationSettingsPage
{
    private const decimal BytesPerMegabyte = 1024 * 1024;

    [Inject] private OrganizationSettingsService Settings { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private OrganizationSettings? _draft;
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private string? _generalError;
    private bool _saving;
    /// <summary>The admin changed a field since the draft was loaded or saved.</summary>
    private bool _dirty;
    /// <summary>Set when someone else saved the settings while this admin had unsaved changes.</summary>
    private string? _changedElsewhere;
    private Mailflow.Admin.Web.Components.Shared.DoctorWarnings? _doctor;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private static decimal Megabytes(long bytes) => Math.Round(bytes / BytesPerMegabyte, 2);

    private static long Bytes(decimal megabytes) => (long)(megabytes * BytesPerMegabyte);

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private bool Has(string field) => _errors.ContainsKey(field);

    private async Task LoadAsync()
    {
        try
        {
            _draft = await Settings.GetAsync();
            _errors.Clear();
            _generalError = null;
            _dirty = false;
            _changedElsewhere = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _generalError = $"The organization settings could not be read from the store: {ex.Message}";
        }
    }

    /// <summary>
    /// Another change was saved. Untouched settings follow it; unsaved edits are never overwritten — the admin
    /// is told the stored settings moved on, and Save would be refused as a conflict anyway.
    /// </summary>
    private async Task OnConfigurationChangedAsync()
    {
        // A save in flight reports its own outcome: saved, or refused as a conflict with someone else's change.
        if (_draft is null || _saving)
            return;
        var stored = await Settings.GetAsync();
        if (stored.Revision == _draft.Revision)
            return;
        if (_dirty)
            _changedElsewhere = "Someone else saved the organization settings while you were editing. Use Discard changes to load their values, then make your change again.";
        else
            await LoadAsync();
    }

    private void Change(Action apply)
    {
        _dirty = true;
        apply();
        ValidateFields();
    }

    private bool ValidateFields()
    {
        _errors.Clear();
        var errors = OrganizationSettingsService.ValidateFields(_draft!);
        foreach (var (field, messages) in errors.ToDictionary())
            _errors[field] = string.Join(" ", messages);
        return errors.IsEmpty;
    }

    private async Task SaveAsync()
    {
        _generalError = null;
        if (_draft is null || !ValidateFields())
            return;
        _saving = true;
        try
        {
            _draft = await Settings.UpdateAsync(_actor, _draft);
            _dirty = false;
            _changedElsewhere = null;
            Snackbar.Add("Organization settings saved.", Severity.Success);
            if (_doctor is not null)
                await _doctor.RefreshAsync();
        }
        catch (ConfigurationValidationException ex)
        {
            foreach (var (field, messages) in ex.Errors)
                _errors[field] = string.Join(" ", messages);
        }
        catch (ConfigurationConflictException ex)
        {
            _generalError = $"{ex.Message} Use Discard changes to load the current values.";
        }
        catch (ConfigurationForbiddenException ex)
        {
            _generalError = ex.Message;
        }
        finally
        {
            _saving = false;
        }
    }
}
