using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Edit one transport agent's settings. Field checks are the service's own
/// (<see cref="TransportAgentService.ValidateFields"/>) and run on save; a concurrent edit comes back
/// as a conflict. Closes with the saved view.
/// </summary>
public sealed partial class TransportAgentDialog
{
    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject] private TransportAgentService Agents { get; set; } = default!;
    [Inject] private ReceiveConnectorService Connectors { get; set; } = default!;

    [Parameter, EditorRequired] public TransportAgentView Existing { get; set; } = default!;

    [Parameter, EditorRequired] public AdminActor Actor { get; set; } = default!;

    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private IReadOnlyList<ReceiveConnector> _connectors = [];
    private HashSet<Guid> _disabledOn = [];
    private bool _enabled;
    private int _priority;
    private int _timeout;
    private AgentFailurePolicy _failurePolicy;
    private string? _generalError;
    private bool _saving;

    protected override async Task OnInitializedAsync()
    {
        _enabled = Existing.Enabled;
        _priority = Existing.Priority;
        _timeout = Existing.TimeoutMilliseconds;
        _failurePolicy = Existing.FailurePolicy;
        _disabledOn = [.. Existing.DisabledOnConnectors];
        _connectors = await Connectors.ListAsync();
    }

    private string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    private void Toggle(Guid connector, bool off)
    {
        if (off)
            _disabledOn.Add(connector);
        else
            _disabledOn.Remove(connector);
    }

    private TransportAgentSetting Draft() => new()
    {
        AgentName = Existing.Agent.Name,
        Enabled = _enabled,
        // Values equal to the defaults are stored as "default", so a later change of the default applies.
        Priority = _priority == Existing.Agent.DefaultPriority ? null : _priority,
        TimeoutMilliseconds = _timeout == Existing.Agent.DefaultTimeoutMilliseconds ? null : _timeout,
        FailurePolicy = _failurePolicy == Existing.Agent.DefaultFailurePolicy ? null : _failurePolicy,
        DisabledOnConnectors = [.. _disabledOn.Where(id => _connectors.Any(c => c.Id == id))],
        Revision = Existing.Revision,
    };

    private async Task SaveAsync()
    {
        _generalError = null;
        _errors.Clear();
        var draft = Draft();
        var errors = Agents.ValidateFields(draft);
        if (!errors.IsEmpty)
        {
            _generalError = SaveErrors.Route(errors.ToDictionary(), FieldsShownInline, _errors);
            return;
        }
        _saving = true;
        try
        {
            Dialog.Close(DialogResult.Ok(await Agents.SaveAsync(Actor, draft)));
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

    private static readonly string[] FieldsShownInline =
        [nameof(TransportAgentSetting.Enabled), nameof(TransportAgentSetting.Priority), nameof(TransportAgentSetting.TimeoutMilliseconds)];

    private void Cancel() => Dialog.Cancel();
}
