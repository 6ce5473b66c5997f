using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Alerts;

/// <summary>The alert thresholds and notification settings (part of the operations settings), saved through <see cref="OperationsSettingsService"/> (roles, validation, audit).</summary>
public sealed partial class AlertSettingsPanel
{
    [Inject] private OperationsSettingsService Settings { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private OperationsSettings? _draft;
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private string? _generalError;
    private string? _newSecret;
    private bool _removeSecret;
    private bool _hasSecret;
    private bool _saving;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private bool Has(string field) => _errors.ContainsKey(field);

    private async Task LoadAsync()
    {
        try
        {
            _draft = await Settings.GetAsync();
            _hasSecret = _draft.AlertWebhookSecretProtected is not null;
            // The encrypted secret never reaches the circuit's draft.
            _draft.AlertWebhookSecretProtected = null;
            _newSecret = null;
            _removeSecret = false;
            _errors.Clear();
            _generalError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _generalError = $"The alert settings could not be read from the store: {ex.Message}";
        }
    }

    private void Change(Action apply)
    {
        apply();
        _errors.Clear();
        foreach (var (field, messages) in OperationsSettingsService.ValidateFields(_draft!).ToDictionary())
            _errors[field] = string.Join(" ", messages);
    }

    private async Task SaveAsync()
    {
        if (_draft is null)
            return;
        _generalError = null;
        _saving = true;
        try
        {
            var secret = _removeSecret ? "" : string.IsNullOrEmpty(_newSecret) ? null : _newSecret;
            await Settings.UpdateAsync(_actor, _draft, secret);
            Snackbar.Add("Alert settings saved.", Severity.Success);
            await LoadAsync();
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
