using System.Globalization;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Protection;

/// <summary>
/// Rate limits: blocked senders with one-click unblock (<see cref="BlockedSenderService"/>, audited),
/// "who is counted now" on this node with a reset per key (<see cref="ThrottlingService"/>, audited),
/// and the limits themselves (the rate-limit section of <see cref="ProtectionSettingsService"/>).
/// </summary>
public sealed partial class RateLimits
{
    [Inject] private ProtectionSettingsService Settings { get; set; } = default!;
    [Inject] private ThrottlingService Throttling { get; set; } = default!;
    [Inject] private BlockedSenderService Blocked { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private static readonly string[] InlineFields = [.. RateLimitDefinition.All.Select(d => "RateLimits." + d.SettingName)];

    private ProtectionSettings? _settings;
    private IReadOnlyList<RateLimitCounter> _counters = [];
    private IReadOnlyList<BlockedSender> _blocked = [];

    /// <summary>Deep link from the overview's blocked-sender alert: that sender's row is highlighted.</summary>
    [Microsoft.AspNetCore.Components.SupplyParameterFromQuery(Name = "sender")] public string? LinkedSender { get; set; }
    private readonly Dictionary<string, string> _fieldErrors = new(StringComparer.Ordinal);
    private string? _error;
    private bool _saving;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;
    private string? ErrorFor(string field) => _fieldErrors.GetValueOrDefault(field);
    private bool Has(string field) => _fieldErrors.ContainsKey(field);

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadSettingsAsync();
        await LoadCountersAsync();
    }

    /// <summary>A new generation (someone's change, or a sender blocked on any node) reloads the blocked senders and, unless being edited, the limits.</summary>
    private async Task LoadSettingsAsync()
    {
        try
        {
            _blocked = await Blocked.ListAsync();
            if (_settings is not null && _fieldErrors.Count > 0)
                return;
            var stored = await Settings.GetAsync();
            if (_settings is null || stored.Revision != _settings.Revision)
                _settings = stored;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = $"The rate limits could not be read from the store: {ex.Message}";
        }
    }

    private Task LoadCountersAsync()
    {
        _counters = Throttling.Current();
        return Task.CompletedTask;
    }

    private void SetLimit(RateLimitDefinition definition, int? value) => definition.SetLimit(_settings!.RateLimits, value);

    private async Task SaveAsync()
    {
        if (_settings is null)
            return;
        _saving = true;
        _fieldErrors.Clear();
        _error = null;
        try
        {
            _settings = await Settings.UpdateAsync(_actor, _settings);
            Snackbar.Add("Rate limits saved.", Severity.Success);
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _error = SaveErrors.Route(ex, InlineFields, _fieldErrors);
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task ResetAsync(RateLimitCounter counter)
    {
        try
        {
            var reset = await Throttling.ResetAsync(_actor, counter.Kind, counter.Key);
            Snackbar.Add(reset ? $"Reset {counter.Definition.DisplayName.ToLowerInvariant()} for {counter.Key}." : $"{counter.Key} was no longer counted.", Severity.Success);
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _error = ex.Message;
        }
        await LoadCountersAsync();
    }

    private async Task UnblockAsync(BlockedSender sender)
    {
        try
        {
            await Blocked.UnblockAsync(_actor, sender.Id);
            Snackbar.Add($"{sender.UserName} may send again.", Severity.Success);
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _error = ex.Message;
        }
        _blocked = await Blocked.ListAsync();
        await LoadCountersAsync();
    }

    /// <summary>"now", "45 s", "12 min", "3 h 5 min".</summary>
    private static string Duration(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
            return "now";
        if (span < TimeSpan.FromMinutes(1))
            return $"{Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s";
        if (span < TimeSpan.FromHours(1))
            return $"{Math.Ceiling(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min";
        return $"{(int)span.TotalHours} h {span.Minutes} min";
    }
}
