using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.Net;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Create or edit a receive connector: every setting of <see cref="ReceiveConnector"/>. Fields are checked
/// as the admin types with the service's own <see cref="ReceiveConnectorService.ValidateFields"/>; a binding
/// or range being added is checked on its own so the message names that item. Store checks (duplicate
/// name, clashing bindings, a concurrent edit) come back from the save and land next to their field.
/// </summary>
public sealed partial class ReceiveConnectorDialog : IConnectorEditor<ReceiveConnector>
{
    private const decimal BytesPerMegabyte = 1024 * 1024;

    private static readonly string[] FieldsShownInline =
    [
        nameof(ReceiveConnector.Name), nameof(ReceiveConnector.Fqdn), nameof(ReceiveConnector.Banner), nameof(ReceiveConnector.Bindings),
        nameof(ReceiveConnector.RemoteIpRanges), nameof(ReceiveConnector.PermissionGroups), nameof(ReceiveConnector.AuthMechanisms),
        nameof(ReceiveConnector.RequireTls), nameof(ReceiveConnector.MaxMessageSizeBytes), nameof(ReceiveConnector.MaxRecipientsPerMessage),
        nameof(ReceiveConnector.MaxInboundConnections), nameof(ReceiveConnector.MaxInboundConnectionsPerSource),
        nameof(ReceiveConnector.ConnectionTimeoutSeconds), nameof(ReceiveConnector.IdleTimeoutSeconds),
        nameof(ReceiveConnector.CommandTimeoutSeconds), nameof(ReceiveConnector.MinDataRateBytesPerSecond),
        nameof(ReceiveConnector.DataRateGraceSeconds), nameof(ReceiveConnector.GreetPauseMilliseconds),
        nameof(ReceiveConnector.MaxProtocolErrors), nameof(ReceiveConnector.TarpitIntervalMilliseconds),
        nameof(ReceiveConnector.MaxHopCount), nameof(ReceiveConnector.MaxLocalHopCount),
        nameof(ReceiveConnector.CertificateId),
    ];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private ReceiveConnectorService Connectors { get; set; } = default!;
    [Inject] private TlsCertificateService Certificates { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    /// <summary>The connector to edit; null to create a new one.</summary>
    [Parameter] public ReceiveConnector? Existing { get; set; }

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private ReceiveConnector _draft = new();
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private bool _nameTouched;
    private bool _submitted;
    private string? _generalError;
    private bool _saving;

    private string _newBindingAddress = "0.0.0.0";
    private int? _newBindingPort;
    private string? _bindingAddressError;
    private string? _bindingPortError;
    private string _newRange = "";
    private string? _rangeError;

    private IReadOnlyList<TlsCertificate> _certificates = [];

    private bool IsNew => Existing is null;

    /// <summary>The picker's text: "Node default" or a stored certificate's name, subject and expiry.</summary>
    private string CertificateLabel(Guid? id)
    {
        if (id is null)
            return "Node default certificate";
        if (_certificates.FirstOrDefault(c => c.Id == id) is not { } certificate)
            return "(a certificate that is no longer stored)";
        var state = certificate.ExpiryAt(Time.GetUtcNow()) switch
        {
            CertificateExpiry.Expired => "expired",
            CertificateExpiry.ExpiringSoon => $"expires {certificate.NotAfter:yyyy-MM-dd}, soon",
            _ => $"until {certificate.NotAfter:yyyy-MM-dd}",
        };
        return $"{certificate.Name} — {certificate.Subject}, {state}";
    }

    private string CertificateHelp => _certificates.Count == 0
        ? "No stored certificates yet: the node's default is presented. Upload one under Settings › TLS certificates."
        : "Presented for STARTTLS and implicit TLS on this connector; new sessions use a change at once.";

    private decimal MaxSizeMegabytes
    {
        get => Math.Round(_draft.MaxMessageSizeBytes / BytesPerMegabyte, 2);
        set => _draft.MaxMessageSizeBytes = (long)(value * BytesPerMegabyte);
    }

    protected override async Task OnInitializedAsync()
    {
        _certificates = await Certificates.ListAsync();
    }

    protected override void OnInitialized()
    {
        _draft = new ReceiveConnector();
        if (Existing is not null)
        {
            _draft.Id = Existing.Id;
            _draft.Revision = Existing.Revision;
            ReceiveConnectorService.CopyEditableFields(Existing, _draft);
            _nameTouched = true;
        }
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

    /// <summary>Replaces the field messages with the service's store-free checks; returns whether they pass.</summary>
    private bool ValidateFields()
    {
        _errors.Clear();
        var errors = ReceiveConnectorService.ValidateFields(_draft);
        foreach (var field in FieldsShownInline)
        {
            // An empty new form should not open covered in red: name and bindings wait for the admin.
            if (field == nameof(ReceiveConnector.Name) && !_nameTouched && !_submitted)
                continue;
            if (field == nameof(ReceiveConnector.Bindings) && _draft.Bindings.Count == 0 && !_submitted)
                continue;
            if (errors.For(field) is { Count: > 0 } messages)
                _errors[field] = string.Join(" ", messages);
        }
        return errors.IsEmpty;
    }

    private void OnBindingAddressChanged(string value)
    {
        _newBindingAddress = value ?? "";
        CheckPendingBinding();
    }

    private void OnBindingPortChanged(int? value)
    {
        _newBindingPort = value;
        CheckPendingBinding();
    }

    /// <summary>Checks the binding being typed, address and port apart, with the service's messages for a one-binding connector.</summary>
    private bool CheckPendingBinding()
    {
        _bindingAddressError = BindingMessages(new IpBinding(_newBindingAddress.Trim(), 25)).FirstOrDefault();
        _bindingPortError = _newBindingPort is { } port ? BindingMessages(new IpBinding("0.0.0.0", port)).FirstOrDefault() : null;
        return _bindingAddressError is null && _bindingPortError is null;
    }

    private static IReadOnlyList<string> BindingMessages(IpBinding binding) =>
        ReceiveConnectorService.ValidateFields(new ReceiveConnector { Name = "check", Bindings = [binding] }).For(nameof(ReceiveConnector.Bindings));

    private void AddBinding()
    {
        if (_newBindingPort is null)
        {
            _bindingPortError = "Enter a port, for example 25 (SMTP), 587 (submission) or 465 (implicit TLS).";
            return;
        }
        if (!CheckPendingBinding())
            return;
        var binding = new IpBinding(_newBindingAddress.Trim(), _newBindingPort.Value);
        if (_draft.Bindings.Contains(binding))
        {
            _bindingPortError = $"{binding} is already in the list.";
            return;
        }
        _draft.Bindings.Add(binding);
        _newBindingPort = null;
        ValidateFields();
    }

    private void RemoveBinding(IpBinding binding)
    {
        _draft.Bindings.Remove(binding);
        ValidateFields();
    }

    private void OnBindingKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            AddBinding();
    }

    private void OnRangeChanged(string value)
    {
        _newRange = value ?? "";
        _rangeError = _newRange.Trim().Length == 0 || IpRange.TryParse(_newRange.Trim(), out _, out var error) ? null : error;
    }

    private void AddRange()
    {
        var text = _newRange.Trim();
        if (text.Length == 0)
        {
            _rangeError = "Enter an IP address, a CIDR range (10.0.0.0/8) or a range (10.0.0.1-10.0.0.9).";
            return;
        }
        if (!IpRange.TryParse(text, out _, out var error))
        {
            _rangeError = error;
            return;
        }
        if (_draft.RemoteIpRanges.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            _rangeError = $"{text} is already in the list.";
            return;
        }
        _draft.RemoteIpRanges.Add(text);
        _newRange = "";
        _rangeError = null;
        ValidateFields();
    }

    private void RemoveRange(string range)
    {
        _draft.RemoteIpRanges.Remove(range);
        ValidateFields();
    }

    private void OnRangeKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            AddRange();
    }

    private async Task SaveAsync()
    {
        _submitted = true;
        _generalError = null;
        if (!ValidateFields())
            return;
        _saving = true;
        try
        {
            var saved = IsNew ? await Connectors.CreateAsync(Actor, _draft) : await Connectors.UpdateAsync(Actor, _draft);
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

    private void Cancel() => Dialog.Cancel();
}
