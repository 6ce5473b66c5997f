using Mailflow.Admin.Web.Identity;
using Mailflow.Admin.Web.LiveUpdates;
using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Mailflow.Admin.Web.Components.Shared;

/// <summary>
/// Makes a configuration page follow changes it did not make itself. Every saved change — from this
/// admin center, another admin, the API, the CLI, or another node (PostgreSQL NOTIFY or the poll
/// loop) — ends as a new snapshot in <see cref="TransportConfigProvider"/>; this component hears its
/// <see cref="TransportConfigProvider.Changed"/> event, waits for a burst of saves to settle, and then
/// runs the page's <see cref="Reload"/> on the page's circuit.
/// <para>
/// Reload should re-read the page's list (and whatever sits behind an open dialog) but leave drafts
/// alone: the editor dialogs hold their own copies, so a reload never touches what an admin is typing.
/// Pages with an inline form decide themselves whether to take the new values (see the settings page).
/// </para>
/// Drop one on a page: <c>&lt;LiveRefresh Reload="LoadAsync" /&gt;</c>.
/// </summary>
public sealed partial class LiveRefresh : IDisposable
{
    /// <summary>A configuration-as-code apply or a CLI script saves several generations in quick succession.</summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);
    /// <summary>However busy the stream of saves, the page is at most this far behind.</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    [Inject] private TransportConfigProvider Config { get; set; } = default!;
    [Inject] private IDbContextFactory<MailflowDbContext> DbFactory { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private ILogger<LiveRefresh> Logger { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>Re-reads the page's data. Runs on the page's circuit, never twice at once.</summary>
    [Parameter, EditorRequired] public EventCallback Reload { get; set; }

    private sealed record Notice(long Generation, string Details);

    private ChangeDebouncer? _debouncer;
    /// <summary>The newest generation announced; written on the provider's thread.</summary>
    private long _announced;
    private long _reloadedFor;
    private bool _reloading;
    private bool _reloadAgain;
    private bool _disposed;
    private Notice? _notice;

    protected override void OnInitialized()
    {
        // Prerendering produces static HTML with no circuit to update; the interactive render subscribes.
        if (!RendererInfo.IsInteractive)
            return;
        _reloadedFor = Config.Current.Generation;
        _debouncer = new ChangeDebouncer(Time, QuietPeriod, MaxDelay, () => _ = ReloadOnCircuitAsync());
        Config.Changed += OnConfigurationChanged;
    }

    /// <summary>Raised on the provider's reloading thread while it holds its lock: note the generation and return at once.</summary>
    private void OnConfigurationChanged(TransportConfig config)
    {
        long seen;
        do
        {
            seen = Interlocked.Read(ref _announced);
            if (config.Generation <= seen)
                break;
        }
        while (Interlocked.CompareExchange(ref _announced, config.Generation, seen) != seen);
        _debouncer?.Signal();
    }

    private async Task ReloadOnCircuitAsync()
    {
        try
        {
            await InvokeAsync(ReloadAsync);
        }
        catch (ObjectDisposedException)
        {
            // The circuit closed between the change and the reload.
        }
    }

    /// <summary>Runs on the circuit's dispatcher, so the flags need no lock; awaits let a new change in, which then reloads again.</summary>
    private async Task ReloadAsync()
    {
        if (_reloading)
        {
            _reloadAgain = true;
            return;
        }
        _reloading = true;
        try
        {
            do
            {
                _reloadAgain = false;
                var generation = Interlocked.Read(ref _announced);
                if (_disposed || generation <= _reloadedFor)
                    break;
                try
                {
                    await Reload.InvokeAsync();
                    _reloadedFor = generation;
                    _notice = await DescribeAsync(generation) ?? _notice;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The page keeps what it showed; the next change (or the admin) reloads it.
                    AdminCenterLog.LiveReloadFailed(Logger, generation, ex);
                    _reloadedFor = generation;
                }
                StateHasChanged();
            }
            while (_reloadAgain);
        }
        finally
        {
            _reloading = false;
        }
    }

    /// <summary>Who saved <paramref name="generation"/> and what; null when it was this admin (their own page already said so).</summary>
    private async Task<Notice?> DescribeAsync(long generation)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        var saved = await db.ConfigurationGenerations.AsNoTracking()
            .Where(g => g.Number == generation)
            .Select(g => new { g.ChangedBy, g.Summary })
            .FirstOrDefaultAsync();
        if (saved is null)
            return null;
        var me = AuthenticationState is null ? null : (await AuthenticationState).User.Identity?.Name;
        if (me is not null && string.Equals(saved.ChangedBy, me, StringComparison.OrdinalIgnoreCase))
            return null;
        return new Notice(generation, $"{saved.ChangedBy}: {saved.Summary}");
    }

    private void Dismiss() => _notice = null;

    public void Dispose()
    {
        _disposed = true;
        Config.Changed -= OnConfigurationChanged;
        _debouncer?.Dispose();
    }
}
