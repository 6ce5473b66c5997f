using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Create or edit a send connector: every setting of <see cref="SendConnector"/>. The smart-host password
/// is write-only: the dialog never receives the stored value (it shows only that one is stored) and
/// passes a new one to the service separately, which encrypts it.
/// </summary>
public sealed partial class SendConnectorDialog : IConnectorEditor<SendConnector>
{
    private const decimal BytesPerMegabyte = 1024 * 1024;
    private const string PasswordField = "SmartHostPassword";

    private static readonly string[] FieldsShownInline =
    [
        nameof(SendConnector.Name), nameof(SendConnector.AddressSpaces), nameof(SendConnector.SmartHosts), nameof(SendConnector.SmartHostAuthentication),
        nameof(SendConnector.SmartHostUsername), PasswordField, nameof(SendConnector.TlsPolicy), nameof(SendConnector.TlsCertificateDomain),
        nameof(SendConnector.MtaSts), nameof(SendConnector.Port), nameof(SendConnector.HeloFqdn), nameof(SendConnector.MaxMessageSizeBytes),
        nameof(SendConnector.MaxConcurrentConnections), nameof(SendConnector.MaxMessagesPerConnection), nameof(SendConnector.SourceNodes),
    ];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private SendConnectorService Connectors { get; set; } = default!;

    /// <summary>The connector to edit; null to create a new one.</summary>
    [Parameter] public SendConnector? Existing { get; set; }

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private SendConnector _draft = new();
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private bool _nameTouched;
    private bool _submitted;
    private string? _generalError;
    private bool _saving;
    private bool _changingPassword;
    private string _newPassword = "";

    private string _newSpace = "";
    private int _newSpaceCost = 1;
    private string? _spaceError;
    private string _newSmartHost = "";
    private string? _smartHostError;
    /// <summary>Whether the admin added or removed a smart host yet: "add at least one" is not said before they start.</summary>
    private bool _smartHostsTouched;
    private string _newNode = "";

    private bool IsNew => Existing is null;

    /// <summary>Whether the store holds a password; the value itself never reaches the browser.</summary>
    private bool PasswordStored { get; set; }

    private decimal MaxSizeMegabytes
    {
        get => Math.Round(_draft.MaxMessageSizeBytes / BytesPerMegabyte, 2);
        set => _draft.MaxMessageSizeBytes = (long)(value * BytesPerMegabyte);
    }

    protected override void OnInitialized()
    {
        _draft = new SendConnector();
        if (Existing is null)
            return;
        _draft.Id = Existing.Id;
        _draft.Revision = Existing.Revision;
        SendConnectorService.CopyEditableFields(Existing, _draft);
        PasswordStored = Existing.SmartHostPasswordProtected is not null;
        _nameTouched = true;
        _smartHostsTouched = true;
    }

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private bool Has(string field) => _errors.ContainsKey(field);

    private void Change(Action apply)
    {
        apply();
        ValidateFields();
    }

    private void OnNameChanged(string value)
    {
        _draft.Name = value ?? "";
        _nameTouched = true;
        ValidateFields();
    }

    private bool ValidateFields()
    {
        _errors.Clear();
        // The service checks "a password exists" on the protected field; a stand-in marks a typed or stored one.
        _draft.SmartHostPasswordProtected = PasswordStored || _newPassword.Length > 0 ? "present" : null;
        var errors = SendConnectorService.ValidateFields(_draft);
        _draft.SmartHostPasswordProtected = null;
        foreach (var field in FieldsShownInline)
        {
            if (!_submitted && (field == nameof(SendConnector.Name) && !_nameTouched
                                || field == nameof(SendConnector.AddressSpaces) && _draft.AddressSpaces.Count == 0
                                || field == nameof(SendConnector.SmartHosts) && !_smartHostsTouched
                                || field == PasswordField && _newPassword.Length == 0))
                continue;
            if (errors.For(field) is { Count: > 0 } messages)
                _errors[field] = string.Join(" ", messages);
        }
        return errors.IsEmpty;
    }

    private void OnSpaceChanged(string value)
    {
        _newSpace = value ?? "";
        _spaceError = _newSpace.Trim().Length == 0 || AddressSpaceRules.TryNormalize(_newSpace, out _, out var error) ? null : error;
    }

    private void AddSpace()
    {
        if (!AddressSpaceRules.TryNormalize(_newSpace, out var domain, out var error))
        {
            _spaceError = error;
            return;
        }
        if (_draft.AddressSpaces.Any(s => string.Equals(s.Domain, domain, StringComparison.OrdinalIgnoreCase)))
        {
            _spaceError = $"{domain} is already in the list.";
            return;
        }
        _draft.AddressSpaces.Add(new AddressSpace(domain, _newSpaceCost));
        _newSpace = "";
        _spaceError = null;
        ValidateFields();
    }

    private void OnSmartHostChanged(string value)
    {
        _newSmartHost = value ?? "";
        _smartHostError = _newSmartHost.Trim().Length == 0 || SmartHostRules.TryParse(_newSmartHost.Trim(), out _, out _, out var error) ? null : error;
    }

    private void AddSmartHost()
    {
        var text = _newSmartHost.Trim();
        if (!SmartHostRules.TryParse(text, out _, out _, out var error))
        {
            _smartHostError = error;
            return;
        }
        if (_draft.SmartHosts.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            _smartHostError = $"{text} is already in the list.";
            return;
        }
        _draft.SmartHosts.Add(text);
        _smartHostsTouched = true;
        _newSmartHost = "";
        _smartHostError = null;
        ValidateFields();
    }

    private void AddNode()
    {
        var node = _newNode.Trim();
        if (node.Length > 0 && !_draft.SourceNodes.Contains(node, StringComparer.OrdinalIgnoreCase))
            _draft.SourceNodes.Add(node);
        _newNode = "";
        ValidateFields();
    }

    private async Task SaveAsync()
    {
        _submitted = true;
        _generalError = null;
        // What is typed in an "add" field counts as added: saving must not silently drop it.
        if (!AddPendingEntries() | !ValidateFields())
            return;
        _saving = true;
        try
        {
            // Only a newly typed password travels to the service; an empty one keeps what is stored.
            var password = _draft.SmartHostAuthentication == SmartHostAuthentication.Basic && _newPassword.Length > 0 ? _newPassword : null;
            var saved = IsNew ? await Connectors.CreateAsync(Actor, _draft, password) : await Connectors.UpdateAsync(Actor, _draft, password);
            _newPassword = "";
            Dialog.Close(DialogResult.Ok(saved));
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

    /// <returns>False when a typed smart host or address space is not valid (its message is next to its field).</returns>
    private bool AddPendingEntries()
    {
        var added = true;
        if (_draft.RoutingMethod == SendRoutingMethod.SmartHost && _newSmartHost.Trim().Length > 0)
        {
            if (_draft.SmartHosts.Contains(_newSmartHost.Trim(), StringComparer.OrdinalIgnoreCase))
                _newSmartHost = "";
            else
                AddSmartHost();
            added &= _smartHostError is null;
        }
        if (_newSpace.Trim().Length > 0)
        {
            AddSpace();
            added &= _spaceError is null;
        }
        return added;
    }

    private void SetCost(int index, int cost)
    {
        _draft.AddressSpaces[index] = _draft.AddressSpaces[index] with { Cost = cost };
        ValidateFields();
    }

    private void OnSpaceKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            AddSpace();
    }

    private void OnSmartHostKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            AddSmartHost();
    }

    private void OnNodeKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            AddNode();
    }

    private void RemoveSmartHost(string host) => Change(() =>
    {
        _draft.SmartHosts.Remove(host);
        _smartHostsTouched = true;
    });

    private void Cancel() => Dialog.Cancel();
}
