using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Protection;

/// <summary>
/// Anti-spam (Rspamd) and anti-malware (ClamAV) settings: the two content sections of
/// <see cref="ProtectionSettingsService"/>, saved together with audit and a new generation; a refused
/// save shows each message next to its field.
/// </summary>
public sealed partial class ContentFiltering
{
    [Inject] private ProtectionSettingsService Settings { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private static readonly string[] InlineFields =
    [
        "AntiSpam.RspamdUrl", "AntiSpam.ControllerUrl", "AntiSpam.TimeoutMilliseconds", "AntiSpam.AddHeaderScore", "AntiSpam.PrependSubjectScore", "AntiSpam.SubjectPrefix", "AntiSpam.QuarantineScore",
        "AntiSpam.RejectScore", "AntiSpam.RejectText", "AntiMalware.ClamdAddress", "AntiMalware.TimeoutMilliseconds",
        "AntiMalware.MaxScanSizeBytes", "AntiMalware.RejectText", "Quarantine.RetentionDays",
    ];

    private ProtectionSettings? _settings;
    private readonly Dictionary<string, string> _fieldErrors = new(StringComparer.Ordinal);
    private string? _error;
    private bool _saving;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;
    private string? ErrorFor(string field) => _fieldErrors.GetValueOrDefault(field);
    private bool Has(string field) => _fieldErrors.ContainsKey(field);

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        // A reload caused by someone else's change does not throw away fields being edited.
        if (_settings is not null && _fieldErrors.Count > 0)
            return;
        try
        {
            var stored = await Settings.GetAsync();
            if (_settings is null || stored.Revision != _settings.Revision)
                _settings = stored;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = $"The protection settings could not be read from the store: {ex.Message}";
        }
    }

    private async Task SaveAsync()
    {
        if (_settings is null)
            return;
        _saving = true;
        _fieldErrors.Clear();
        _error = null;
        try
        {
            _settings = await Settings.UpdateAsync(_actor, _settings);
            Snackbar.Add("Anti-spam and anti-malware settings saved.", Severity.Success);
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _error = SaveErrors.Route(ex, InlineFields, _fieldErrors);
        }
        finally
        {
            _saving = false;
        }
    }
}
