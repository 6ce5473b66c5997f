using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Mail flow rules in evaluation order with their hit counters. Reordering (arrows or drag and drop),
/// enabling and deleting go through <see cref="TransportRuleService"/>, which checks the admin's role and
/// audits every change; a reorder is one <see cref="TransportRuleService.MoveAsync"/>, so one generation.
/// </summary>
public sealed partial class Rules
{
    [Inject] private TransportRuleService RuleService { get; set; } = default!;
    [Inject] private RecipientService Recipients { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private const string RulesZone = "rules";

    private IReadOnlyList<TransportRule>? _rules;
    private int _listVersion;
    private bool _reordering;
    private Dictionary<Guid, string> _groupNames = [];
    private string? _loadError;
    private Mailflow.Admin.Web.Components.Shared.DoctorWarnings? _doctor;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private string? GroupName(Guid id) => _groupNames.GetValueOrDefault(id);

    private async Task LoadAsync()
    {
        try
        {
            _rules = await RuleService.ListAsync();
            _groupNames = (await Recipients.ListAsync()).Where(r => r.Kind == RecipientKind.DistributionGroup)
                .ToDictionary(r => r.Id, r => string.IsNullOrEmpty(r.DisplayName) ? r.PrimaryAddress : r.DisplayName);
            _loadError = null;
            if (_doctor is not null)
                await _doctor.RefreshAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The mail flow rules could not be read from the store: {ex.Message}";
            _rules ??= [];
        }
        // The drop zone remembers the order of the rule objects it last showed; a new zone shows these in the stored order.
        _listVersion++;
    }

    private Task MoveAsync(TransportRule rule, int delta) =>
        ChangeAsync(() => RuleService.MoveAsync(_actor, rule.Id, rule.Priority + delta), null);

    /// <summary>
    /// A rule dropped at a new place in the list: the zone reports its new index, which is the rule's new
    /// priority (one zone holds every rule, in priority order). Dropping it where it was changes nothing.
    /// </summary>
    private async Task OnRuleDroppedAsync(MudItemDropInfo<TransportRule> drop)
    {
        if (drop.Item is not { } rule || drop.IndexInZone < 0 || drop.IndexInZone == rule.Priority)
        {
            await LoadAsync();
            return;
        }
        _reordering = true;
        try
        {
            await ChangeAsync(() => RuleService.MoveAsync(_actor, rule.Id, drop.IndexInZone), $"{rule.Name} moved to priority {drop.IndexInZone}.");
        }
        finally
        {
            _reordering = false;
        }
    }

    private Task SetEnabledAsync(TransportRule rule, bool enabled)
    {
        rule.Enabled = enabled;
        return ChangeAsync(() => RuleService.UpdateAsync(_actor, rule), $"{rule.Name} is now {(enabled ? "enabled" : "disabled")}.");
    }

    private async Task DeleteAsync(TransportRule rule)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Delete mail flow rule",
            (MarkupString)$"Delete <b>{System.Net.WebUtility.HtmlEncode(rule.Name)}</b>? Messages stop being checked against it as soon as the change is saved.",
            yesText: "Delete",
            cancelText: "Cancel");
        if (confirmed != true)
            return;
        await ChangeAsync(() => RuleService.DeleteAsync(_actor, rule.Id), $"{rule.Name} was deleted.");
    }

    private async Task ChangeAsync(Func<Task> change, string? success)
    {
        try
        {
            await change();
            if (success is not null)
                Snackbar.Add(success, Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationValidationException or ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
