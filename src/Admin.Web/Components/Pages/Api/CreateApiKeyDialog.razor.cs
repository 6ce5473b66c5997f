using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Api;

/// <summary>Name and role for a new API key. Closes with the <see cref="CreatedApiKey"/> (the secret included, once).</summary>
public sealed partial class CreateApiKeyDialog
{
    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private ApiKeyService Keys { get; set; } = default!;

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private string _name = "";
    private string _role = AdminRoles.ViewOnly;
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private string? _generalError;
    private bool _saving;

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private async Task SaveAsync()
    {
        _errors.Clear();
        _generalError = null;
        var errors = ApiKeyService.ValidateFields(_name.Trim(), _role);
        if (!errors.IsEmpty)
        {
            Show(errors.ToDictionary());
            return;
        }
        _saving = true;
        try
        {
            Dialog.Close(DialogResult.Ok(await Keys.CreateAsync(Actor, _name, _role)));
        }
        catch (ConfigurationValidationException ex)
        {
            Show(ex.Errors);
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

    private void Show(IReadOnlyDictionary<string, string[]> errors)
    {
        foreach (var (field, messages) in errors)
            _errors[field] = string.Join(" ", messages);
    }

    private void Cancel() => Dialog.Cancel();
}
