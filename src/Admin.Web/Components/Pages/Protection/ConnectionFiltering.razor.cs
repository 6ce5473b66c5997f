using System.Text.Json;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Protection;

/// <summary>
/// Connection filtering: the IP allow and block lists (<see cref="IpListService"/>) and the DNS block
/// lists (the connection filter section of <see cref="ProtectionSettingsService"/>). Saves go through the
/// services, which check roles, validate, audit and publish a new generation; a refused save shows its
/// messages next to the fields.
/// </summary>
public sealed partial class ConnectionFiltering
{
    [Inject] private IpListService IpLists { get; set; } = default!;
    [Inject] private ProtectionSettingsService Settings { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private static readonly string[] EntryFields = [nameof(IpListEntry.Range), nameof(IpListEntry.Comment), nameof(IpListEntry.ExpiresAt), nameof(IpListEntry.List)];

    private IReadOnlyList<IpListEntry>? _entries;
    private ProtectionSettings? _settings;
    private IpListEntry _draft = new() { List = IpListKind.Allow };
    private int? _expiresInDays;
    private readonly Dictionary<string, string> _fieldErrors = new(StringComparer.Ordinal);
    private string? _entryError;
    private string? _settingsError;
    private string? _loadError;
    private bool _saving;
    private string? _loadedSettings;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    private string? ErrorFor(string field) => _fieldErrors.GetValueOrDefault(field);

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _entries = await IpLists.ListAsync();
            // Unsaved DNS block list edits survive a reload caused by someone else's change.
            var stored = await Settings.GetAsync();
            if (_settings is null || JsonSerializer.Serialize(_settings) == _loadedSettings)
                ShowSettings(stored);
            else if (stored.Revision != _settings.Revision)
                _settingsError = "Someone else saved the protection settings meanwhile; saving now is refused. Reload the page to see their change.";
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The connection filtering settings could not be read from the store: {ex.Message}";
            _entries ??= [];
        }
    }

    private void ShowSettings(ProtectionSettings settings)
    {
        _settings = settings;
        _loadedSettings = JsonSerializer.Serialize(settings);
    }

    private async Task AddEntryAsync()
    {
        _saving = true;
        _fieldErrors.Clear();
        _entryError = null;
        try
        {
            _draft.ExpiresAt = _expiresInDays is { } days ? Time.GetUtcNow().AddDays(days) : null;
            var saved = await IpLists.CreateAsync(_actor, _draft);
            Snackbar.Add($"{saved.Range} is now on the {(saved.List == IpListKind.Allow ? "allow" : "block")} list.", Severity.Success);
            _draft = new IpListEntry { List = saved.List };
            _expiresInDays = null;
            await LoadAsync();
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _entryError = SaveErrors.Route(ex, EntryFields, _fieldErrors);
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task RemoveEntryAsync(IpListEntry entry)
    {
        try
        {
            await IpLists.DeleteAsync(_actor, entry.Id);
            Snackbar.Add($"{entry.Range} was removed from the {(entry.List == IpListKind.Allow ? "allow" : "block")} list.", Severity.Success);
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }

    private async Task SaveSettingsAsync()
    {
        if (_settings is null)
            return;
        _saving = true;
        _fieldErrors.Clear();
        _settingsError = null;
        try
        {
            ShowSettings(await Settings.UpdateAsync(_actor, _settings));
            Snackbar.Add("DNS block lists saved.", Severity.Success);
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            var inline = _settings.ConnectionFilter.Zones
                .SelectMany((_, i) => new[] { $"ConnectionFilter.Zones[{i}].Zone", $"ConnectionFilter.Zones[{i}].Weight", $"ConnectionFilter.Zones[{i}].ReturnCodes" })
                .Append("ConnectionFilter.Threshold")
                .ToList();
            _settingsError = SaveErrors.Route(ex, inline, _fieldErrors);
        }
        finally
        {
            _saving = false;
        }
    }

    private static List<string> SplitCodes(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
