using Mailflow.Cluster;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Settings;

/// <summary>
/// TLS certificates: the stored ones (expiry at a glance, which connectors present each, the
/// doctor's certificate findings; upload, generate, rename, delete) and the node's default certificate. Changes go through
/// <see cref="TlsCertificateService"/>, which checks the role again; key material never reaches the page.
/// </summary>
public sealed partial class TlsCertificatesPage
{
    [Inject] private TlsCertificateService Certificates { get; set; } = default!;
    [Inject] private IServiceProvider ServiceProvider { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>The doctor's findings about the certificates connectors present.</summary>
    private static readonly string[] CertificateChecks = ["certificate-expired", "certificate-expiring", "certificate-name-mismatch"];

    private Mailflow.Admin.Web.Components.Shared.DoctorWarnings? _doctor;
    private IReadOnlyList<TlsCertificate>? _certificates;
    private IReadOnlyDictionary<Guid, IReadOnlyList<string>> _usage = new Dictionary<Guid, IReadOnlyList<string>>();
    private string? _loadError;
    private INodeCertificateStatus? _status;
    private NodeCertificateSummary? _node;
    private string? _nodeError;
    private bool _working;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        // The node certificate lives in the server process (it owns the SMTP engine).
        _status = ServiceProvider.GetService<INodeCertificateStatus>();
        await LoadAsync();
        if (_status is null)
            return;
        try
        {
            // Loading may generate the first certificate (an RSA key): keep it off the render thread.
            _node = await Task.Run(() => _status.Current);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException)
        {
            _nodeError = $"The node certificate could not be loaded: {ex.Message}";
        }
    }

    private async Task LoadAsync()
    {
        try
        {
            _certificates = await Certificates.ListAsync();
            _usage = await Certificates.UsageAsync();
            _loadError = null;
            if (_doctor is not null)
                await _doctor.RefreshAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The certificates could not be read from the store: {ex.Message}";
            _certificates ??= [];
        }
    }

    private IReadOnlyList<string> UsedBy(TlsCertificate certificate) => _usage.GetValueOrDefault(certificate.Id, []);

    private string ExpiryText(DateTimeOffset notAfter)
    {
        var now = Time.GetUtcNow();
        return CertificateExpiryRules.Classify(notAfter, now) == CertificateExpiry.Expired
            ? "Expired"
            : $"Expires in {Math.Floor((notAfter - now).TotalDays):0} days";
    }

    private Color ExpiryColor(DateTimeOffset notAfter) => CertificateExpiryRules.Classify(notAfter, Time.GetUtcNow()) switch
    {
        CertificateExpiry.Expired => Color.Error,
        CertificateExpiry.ExpiringSoon => Color.Warning,
        _ => Color.Success,
    };

    private async Task UploadAsync()
    {
        var parameters = new DialogParameters<UploadCertificateDialog> { { d => d.Actor, _actor } };
        var dialog = await Dialogs.ShowAsync<UploadCertificateDialog>("Upload certificate", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        await AfterSaveAsync(await dialog.Result);
    }

    private async Task GenerateAsync()
    {
        var parameters = new DialogParameters<GenerateCertificateDialog> { { d => d.Actor, _actor } };
        var dialog = await Dialogs.ShowAsync<GenerateCertificateDialog>("Generate self-signed certificate", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        await AfterSaveAsync(await dialog.Result);
    }

    private async Task AfterSaveAsync(DialogResult? result)
    {
        await LoadAsync();
        if (result is null || result.Canceled || result.Data is not TlsCertificate saved)
            return;
        Snackbar.Add($"{saved.Name} is stored. Pick it in a receive connector's editor to present it.", Severity.Success);
        if (CertificateExpiryRules.Warning(saved.Name, saved.NotAfter, Time.GetUtcNow()) is { } warning)
            Snackbar.Add(warning, Severity.Warning);
    }

    private async Task RenameAsync(TlsCertificate certificate)
    {
        var parameters = new DialogParameters<RenameCertificateDialog> { { d => d.Actor, _actor }, { d => d.Certificate, certificate } };
        var dialog = await Dialogs.ShowAsync<RenameCertificateDialog>($"Rename {certificate.Name}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        await LoadAsync();
        if (result is { Canceled: false, Data: TlsCertificate renamed })
            Snackbar.Add($"{certificate.Name} is now called {renamed.Name}.", Severity.Success);
    }

    private async Task DeleteAsync(TlsCertificate certificate)
    {
        var users = UsedBy(certificate);
        var text = users.Count > 0
            ? $"{certificate.Name} is presented by {string.Join(", ", users)}. Mailflow refuses to delete it until those connectors use another certificate."
            : $"Delete {certificate.Name} ({certificate.Subject})? Its private key is removed from the store; there is no undo.";
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete certificate", text, yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Certificates.DeleteAsync(_actor, certificate.Id);
            Snackbar.Add($"{certificate.Name} was deleted.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationValidationException or ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }

    private async Task RegenerateNodeAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Generate a new self-signed certificate",
            "The node's current self-signed certificate is replaced. New TLS sessions on connectors without an assigned certificate present the new one at once; sessions in progress are not affected. Clients that pinned the old certificate will see a change.",
            yesText: "Generate", cancelText: "Cancel");
        if (confirmed != true || _status is null)
            return;
        _working = true;
        try
        {
            _node = await Task.Run(() => _status.GenerateSelfSigned(_actor));
            Snackbar.Add("A new self-signed node certificate is in use for new TLS sessions.", Severity.Success);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ConfigurationForbiddenException or System.Security.Cryptography.CryptographicException or IOException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            _working = false;
        }
    }
}
