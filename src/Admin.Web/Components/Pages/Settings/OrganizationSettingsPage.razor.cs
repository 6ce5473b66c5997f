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
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _generalError = $"The organization settings could not be read from the store: {ex.Message}";
        }
    }

    private void Change(Action apply)
    {
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
            Snackbar.Add("Organization settings saved.", Severity.Success);
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
