using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Settings;

/// <summary>
/// Upload a certificate: a PEM file (with the key in it or in a second file) or a PFX, a password,
/// a name. The service reads and checks it and answers per field in plain words (not a certificate,
/// wrong password, no private key, a key of another certificate, expired); those messages land next
/// to the field they are about. The password and the files live only in this dialog.
/// </summary>
public sealed partial class UploadCertificateDialog
{
    /// <summary>A certificate with a long chain is a few kilobytes; anything larger is not one.</summary>
    public const long MaxFileBytes = 1024 * 1024;

    private static readonly string[] FieldsShownInline =
        [CertificateFields.CertificateFile, CertificateFields.PrivateKeyFile, CertificateFields.Password, CertificateFields.Name];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private TlsCertificateService Certificates { get; set; } = default!;

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private byte[]? _certificateFile;
    private string? _certificateFileName;
    private byte[]? _keyFile;
    private string? _keyFileName;
    private string _password = "";
    private string _name = "";
    private string? _generalError;
    private bool _saving;

    /// <summary>A PKCS#12 file: the key is inside, the password opens it.</summary>
    private bool IsPfx => _certificateFile is { Length: > 0 } data && data.AsSpan().IndexOf("-----BEGIN "u8) < 0;

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private async Task OnCertificateFileChanged(IBrowserFile? file)
    {
        _errors.Remove(CertificateFields.CertificateFile);
        (_certificateFile, _certificateFileName) = await ReadAsync(file, CertificateFields.CertificateFile);
        if (IsPfx)
            (_keyFile, _keyFileName) = (null, null);
    }

    private async Task OnKeyFileChanged(IBrowserFile? file)
    {
        _errors.Remove(CertificateFields.PrivateKeyFile);
        (_keyFile, _keyFileName) = await ReadAsync(file, CertificateFields.PrivateKeyFile);
    }

    private async Task<(byte[]? Data, string? Name)> ReadAsync(IBrowserFile? file, string field)
    {
        if (file is null)
            return (null, null);
        if (file.Size > MaxFileBytes)
        {
            _errors[field] = $"{file.Name} is {file.Size / 1024} KB: certificate and key files are a few KB. Choose the right file.";
            return (null, null);
        }
        await using var stream = file.OpenReadStream(MaxFileBytes);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return (buffer.ToArray(), file.Name);
    }

    private async Task SaveAsync()
    {
        _generalError = null;
        _errors.Clear();
        if (_certificateFile is null)
        {
            _errors[CertificateFields.CertificateFile] = "Choose a certificate file (.pem, .crt, .pfx or .p12).";
            return;
        }
        _saving = true;
        try
        {
            var stored = await Certificates.ImportAsync(Actor, new CertificateUpload(_name, _certificateFile, _keyFile, _password));
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
