using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Edits one mail flow rule. Field checks run live through <see cref="TransportRuleService.ValidateFields"/>;
/// saving goes through the service, which re-validates, checks the role and audits.
/// </summary>
public sealed partial class RuleEditor
{
    [Inject] private TransportRuleService RuleService { get; set; } = default!;

    /// <summary>The draft being edited (a copy; the store is changed only on save).</summary>
    [Parameter, EditorRequired] public TransportRule Rule { get; set; } = new();
    [Parameter] public bool IsNew { get; set; }
    [Parameter] public bool ReadOnly { get; set; }
    [Parameter] public AdminActor Actor { get; set; } = new("anonymous", new HashSet<string>());
    [Parameter] public IReadOnlyList<RuleGroupOption> Groups { get; set; } = [];
    [Parameter] public IReadOnlyList<string> Connectors { get; set; } = [];
    [Parameter] public EventCallback<TransportRule> OnSaved { get; set; }

    private ValidationErrors _errors = new();
    private string? _generalError;
    private bool _saving;

    private string? ErrorFor(string field)
    {
        var messages = _errors.For(field);
        if (messages.Count == 0 && field == nameof(TransportRule.Name) && _errors.IsEmpty)
            return null;
        return messages.Count == 0 ? null : string.Join(" ", messages);
    }

    private static DateTimeOffset? ToOffset(DateTime? date) => date is { } d ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Local)) : null;

    private async Task SaveAsync()
    {
        _generalError = null;
        _errors = TransportRuleService.ValidateFields(Rule);
        if (!_errors.IsEmpty)
            return;
        _saving = true;
        try
        {
            var saved = IsNew ? await RuleService.CreateAsync(Actor, Rule) : await RuleService.UpdateAsync(Actor, Rule);
            await OnSaved.InvokeAsync(saved);
        }
        catch (ConfigurationValidationException ex)
        {
            _errors = new ValidationErrors();
            foreach (var (field, messages) in ex.Errors)
                foreach (var message in messages)
                    _errors.Add(field, message);
        }
        catch (Exception ex) when (ex is ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            _generalError = ex.Message;
        }
        finally
        {
            _saving = false;
        }
    }
}
