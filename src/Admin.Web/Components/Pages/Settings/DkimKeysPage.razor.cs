using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Settings;

/// <summary>DKIM signing keys: generate per accepted domain, the TXT record to publish, signing on/off, delete. Private keys never reach the page.</summary>
public sealed partial class DkimKeysPage
{
    [Inject] private DkimKeyService Keys { get; set; } = default!;
    [Inject] private AcceptedDomainService Domains { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<DkimSigningKey>? _keys;
    private IReadOnlyList<string> _domains = [];
    private string? _loadError;
    private bool _working;
    private string? _domain;
    private string _selector = "";
    private DkimKeyAlgorithm _algorithm = DkimKeyAlgorithm.Rsa2048;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
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
            _keys = await Keys.ListAsync();
            _domains = [.. (await Domains.ListAsync()).Select(d => d.DomainName)];
            _domain ??= _domains.FirstOrDefault();
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The DKIM keys could not be read from the store: {ex.Message}";
            _keys ??= [];
        }
    }

    private bool Has(string field) => _errors.ContainsKey(field);

    private string ErrorFor(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : "";

    private async Task GenerateAsync()
    {
        _working = true;
        try
        {
            // Key generation (RSA) takes a moment: off the render thread.
            var key = await Task.Run(() => Keys.GenerateAsync(_actor, _domain ?? "", _selector, _algorithm));
            _errors = new Dictionary<string, string[]>();
            _selector = "";
            Snackbar.Add($"Generated {key.DnsRecordName}: publish its TXT record, then turn signing on.", Severity.Success);
            await LoadAsync();
        }
        catch (ConfigurationValidationException ex)
        {
            _errors = ex.Errors;
        }
        finally
        {
            _working = false;
        }
    }

    private async Task SetEnabledAsync(DkimSigningKey key, bool enabled)
    {
        _working = true;
        try
        {
            await Keys.SetEnabledAsync(_actor, key.Id, key.Revision, enabled);
            Snackbar.Add($"{(enabled ? "Signing with" : "No longer signing with")} {key.DnsRecordName}.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationValidationException or ConfigurationConflictException or ConfigurationNotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            _working = false;
            await LoadAsync();
        }
    }

    private async Task DeleteAsync(DkimSigningKey key)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete DKIM key",
            $"Delete {key.DnsRecordName}? Its private key is gone for good; mail signed with it still verifies while the TXT record stays published.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Keys.DeleteAsync(_actor, key.Id);
            Snackbar.Add($"Deleted {key.DnsRecordName}.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationValidationException or ConfigurationNotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
