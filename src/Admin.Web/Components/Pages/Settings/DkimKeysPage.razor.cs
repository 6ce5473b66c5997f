using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Settings;

/// <summary>
/// DKIM signing keys: generate or import per accepted domain, the TXT record to publish, a DNS check,
/// rotation (with its schedule), signing on/off, retire, delete. Private keys never reach the page
/// (an imported PEM goes straight to the service and the field is cleared).
/// </summary>
public sealed partial class DkimKeysPage
{
    [Inject] private DkimKeyService Keys { get; set; } = default!;
    [Inject] private AcceptedDomainService Domains { get; set; } = default!;
    [Inject] private DkimKeyRotation Rotation { get; set; } = default!;
    [Inject] private IDkimDnsCheck Dns { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
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
    private string? _pem;
    private readonly Dictionary<Guid, DkimDnsCheckResult> _checks = [];
    private readonly Dictionary<Guid, string> _scheduleErrors = [];
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

    private async Task ImportAsync()
    {
        _working = true;
        try
        {
            var key = await Keys.ImportAsync(_actor, _domain ?? "", _selector, _pem ?? "");
            _errors = new Dictionary<string, string[]>();
            (_selector, _pem) = ("", null);
            Snackbar.Add($"Imported {key.DnsRecordName}: check that DNS serves its record, then turn signing on.", Severity.Success);
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

    private async Task RotateAsync()
    {
        _working = true;
        try
        {
            var pending = await Task.Run(() => Rotation.StartAsync(_actor, _domain ?? ""));
            _errors = new Dictionary<string, string[]>();
            Snackbar.Add(pending.Count == 0
                ? $"A rotation of {_domain} is already under way: publish the pending keys' records."
                : $"Publish the TXT record of {string.Join(" and ", pending.Select(k => k.DnsRecordName))}; each signs once DNS serves it.", Severity.Success);
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

    private async Task CheckDnsAsync(DkimSigningKey key)
    {
        _checks[key.Id] = await Dns.CheckAsync(key);
    }

    private async Task SetScheduleAsync(DkimSigningKey key, int? days)
    {
        _working = true;
        try
        {
            await Keys.SetRotationScheduleAsync(_actor, key.Id, key.Revision, days);
            _scheduleErrors.Remove(key.Id);
            Snackbar.Add(days is null ? $"{key.DnsRecordName} rotates only by hand." : $"{key.DnsRecordName} rotates every {days} days.", Severity.Success);
        }
        catch (ConfigurationValidationException ex)
        {
            _scheduleErrors[key.Id] = string.Join(" ", ex.Errors.SelectMany(e => e.Value));
        }
        catch (Exception ex) when (ex is ConfigurationConflictException or ConfigurationNotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            _working = false;
            await LoadAsync();
        }
    }

    private async Task RetireAsync(DkimSigningKey key)
    {
        try
        {
            await Rotation.RetireAsync(_actor, key.Id, key.Revision);
            Snackbar.Add($"Retired {key.DnsRecordName}: its private key is erased; its TXT record may be removed.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationValidationException or ConfigurationConflictException or ConfigurationNotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }

    private static Severity CheckSeverity(DkimDnsCheckResult check) => check.Status switch
    {
        DkimDnsStatus.Published => Severity.Success,
        DkimDnsStatus.DnsError => Severity.Warning,
        _ => Severity.Error,
    };

    private static Color StateColor(DkimKeyLifecycle state) => state switch
    {
        DkimKeyLifecycle.Active => Color.Success,
        DkimKeyLifecycle.Pending => Color.Info,
        DkimKeyLifecycle.Retiring => Color.Warning,
        _ => Color.Default,
    };

    private string StateText(DkimSigningKey key) => key.Lifecycle switch
    {
        DkimKeyLifecycle.Pending => "signs once DNS serves its record",
        DkimKeyLifecycle.Active => key.RotateEveryDays is { } days ? $"next rotation {((key.ActivatedAt ?? key.CreatedAt).AddDays(days) - Time.GetUtcNow()).Days} days from now" : "",
        DkimKeyLifecycle.Retiring => $"replaced {key.RetiringSince:yyyy-MM-dd}; keep its record published",
        DkimKeyLifecycle.Retired => $"retired {key.RetiredAt:yyyy-MM-dd}; the record may go",
        _ => "publish the record, then turn signing on",
    };
}
