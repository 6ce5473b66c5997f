using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Settings;

/// <summary>Give a stored certificate another name; the service validates it (required, length, unique) and checks the role again.</summary>
public sealed partial class RenameCertificateDialog
{
    private static readonly string[] FieldsShownInline = [CertificateFields.Name];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private TlsCertificateService Certificates { get; set; } = default!;

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;
    [Parameter, EditorRequired] public TlsCertificate Certificate { get; set; } = default!;

    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private string _name = "";
    private string? _generalError;
    private bool _saving;

    protected override void OnInitialized() => _name = Certificate.Name;

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private async Task SaveAsync()
    {
        _generalError = null;
        _errors.Clear();
        _saving = true;
        try
        {
            // The revision read with the list: a rename made meanwhile elsewhere is a conflict, not overwritten.
            var renamed = await Certificates.RenameAsync(Actor, Certificate.Id, Certificate.Revision, _name);
            Dialog.Close(DialogResult.Ok(renamed));
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
