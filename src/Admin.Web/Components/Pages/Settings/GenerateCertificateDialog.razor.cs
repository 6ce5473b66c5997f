using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Settings;

/// <summary>Generate a self-signed certificate for a host name and store it like an uploaded one.</summary>
public sealed partial class GenerateCertificateDialog
{
    private static readonly string[] FieldsShownInline = [CertificateFields.Fqdn, CertificateFields.ValidityDays, CertificateFields.Name];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private TlsCertificateService Certificates { get; set; } = default!;
    [Inject] private IOptions<MailflowOptions> Options { get; set; } = default!;

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private string _fqdn = "";
    private int _validityDays = 365;
    private string _name = "";
    private string? _generalError;
    private bool _saving;

    protected override void OnInitialized() => _fqdn = Options.Value.ResolvedFqdn;

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private async Task SaveAsync()
    {
        _generalError = null;
        _errors.Clear();
        _saving = true;
        try
        {
            // An RSA key takes a moment: keep it off the render thread.
            var stored = await Task.Run(() => Certificates.GenerateSelfSignedAsync(Actor, _name, _fqdn, _validityDays));
            Dialog.Close(DialogResult.Ok(stored));
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

    private void Cancel() => Dialog.Cancel();
}
