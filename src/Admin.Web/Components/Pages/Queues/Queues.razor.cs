using System.Globalization;
using Mailflow.Admin.Web.Time;
using Mailflow.Configuration;
using Mailflow.Queue;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Queues;

/// <summary>
/// The queue viewer: every next-hop queue (refreshed on a timer) and a server-paged grid of queued
/// messages. Every action goes through <see cref="IQueueOperations"/>, which checks the role and
/// audits; hiding the buttons for View-Only admins is only a courtesy.
/// </summary>
public sealed partial class Queues
{
    public const int RefreshSeconds = 5;

    [Inject] private IQueueOperations Operations { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private AdminClock Clock { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _disposed = new();
    private ITimer? _timer;
    private IReadOnlyList<NextHopQueueSummary>? _queues;
    private QueueDigest? _digest;
    /// <summary>The queue drilled into (a next hop, or the Submission/Poison queue).</summary>
    private NextHopQueueSummary? _selectedQueue;
    private DateTimeOffset? _refreshedAt;
    private string? _loadError;
    private AdminActor _actor = new("anonymous", new HashSet<string>());
    private MudDataGrid<QueuedMessageSummary>? _grid;
    private HashSet<QueuedMessageSummary> _selected = new(SameMessage.Instance);
    private string? _running;
    private bool _applyToAllMatching;
    private string? _sender;
    private string? _recipient;
    private string? _subject;
    private QueueMessageStatus? _status;
    private DateTime? _receivedFrom;
    private DateTime? _receivedBefore;

    private bool CanManage => _actor.CanManageOrganization;
    private bool HasTarget => _applyToAllMatching || _selected.Count > 0;
    private string SelectionText => _applyToAllMatching ? "All matching messages" : $"{_selected.Count} selected";

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        // The stuck lines carry times as text: render again once the browser told its time zone.
        Clock.Changed += OnZoneChanged;
        await LoadQueuesAsync();
        if (RendererInfo.IsInteractive)
            _timer = Time.CreateTimer(_ => _ = InvokeAsync(TimerTickAsync), null, TimeSpan.FromSeconds(RefreshSeconds), TimeSpan.FromSeconds(RefreshSeconds));
    }

    private async Task TimerTickAsync()
    {
        if (_disposed.IsCancellationRequested)
            return;
        await LoadQueuesAsync();
        // The grid reloads its current page with its current sort; the selection is kept by queue id
        // (SameMessage), so a row whose next attempt moved stays selected.
        if (_grid is not null && _running is null)
            await _grid.ReloadServerData();
        StateHasChanged();
    }

    private async Task RefreshAsync()
    {
        await LoadQueuesAsync();
        await ReloadMessagesAsync();
    }

    private async Task LoadQueuesAsync()
    {
        try
        {
            _queues = await Operations.ListQueuesAsync(_disposed.Token);
            _digest = await Operations.GetDigestAsync(_disposed.Token);
            _refreshedAt = Time.GetUtcNow();
            _loadError = null;
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The queues could not be read from the store: {ex.Message}";
            _queues ??= [];
        }
    }

    /// <summary>The grid's query, built from the filters and the grid's page and sort (public for tests).</summary>
    public QueueMessageQuery BuildQuery(GridState<QueuedMessageSummary>? state)
    {
        var sort = state?.SortDefinitions.FirstOrDefault();
        return new QueueMessageQuery
        {
            NextHopKey = _selectedQueue is { Kind: NextHopQueueKind.Delivery or NextHopQueueKind.Unreachable } queue ? queue.NextHopKey : null,
            Sender = Blank(_sender),
            Recipient = Blank(_recipient),
            SubjectContains = Blank(_subject),
            Status = _status ?? (_selectedQueue?.Kind switch
            {
                NextHopQueueKind.Submission => QueueMessageStatus.Submission,
                NextHopQueueKind.Poison => QueueMessageStatus.Poison,
                _ => null,
            }),
            ReceivedFrom = _receivedFrom is { } from ? Clock.FromWallClock(from) : null,
            ReceivedBefore = _receivedBefore is { } before ? Clock.FromWallClock(before) : null,
            Skip = state is null ? 0 : state.Page * state.PageSize,
            Take = state?.PageSize ?? 500,
            SortBy = sort?.SortBy switch
            {
                nameof(QueuedMessageSummary.Sender) => QueueMessageSort.Sender,
                nameof(QueuedMessageSummary.Size) => QueueMessageSort.Size,
                nameof(QueuedMessageSummary.Subject) => QueueMessageSort.Subject,
                nameof(QueuedMessageSummary.NextAttemptAt) => QueueMessageSort.NextAttemptAt,
                _ => QueueMessageSort.ReceivedAt,
            },
            Descending = sort?.Descending ?? true,
        };
    }

    private async Task<GridData<QueuedMessageSummary>> LoadMessagesAsync(GridState<QueuedMessageSummary> state, CancellationToken cancellationToken)
    {
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            var page = await Operations.ListMessagesAsync(BuildQuery(state), linked.Token);
            return new GridData<QueuedMessageSummary> { Items = page.Messages, TotalItems = page.TotalCount };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The queued messages could not be read from the store: {ex.Message}";
            return new GridData<QueuedMessageSummary> { Items = [], TotalItems = 0 };
        }
    }

    private async Task ReloadMessagesAsync()
    {
        _selected = new(SameMessage.Instance);
        if (_grid is not null)
            await _grid.ReloadServerData();
    }

    private async Task StatusChangedAsync(QueueMessageStatus? status)
    {
        _status = status;
        await ReloadMessagesAsync();
    }

    private async Task ReceivedFromChangedAsync(DateTime? value)
    {
        _receivedFrom = value;
        await ReloadMessagesAsync();
    }

    private async Task ReceivedBeforeChangedAsync(DateTime? value)
    {
        _receivedBefore = value;
        await ReloadMessagesAsync();
    }

    private async Task SelectQueueAsync(NextHopQueueSummary? queue)
    {
        _selectedQueue = queue;
        await ReloadMessagesAsync();
    }

    private bool IsSelected(NextHopQueueSummary queue) =>
        _selectedQueue is { } selected && selected.Kind == queue.Kind && selected.NextHopKey == queue.NextHopKey;

    private string MessagesTitle => _selectedQueue is { } queue ? $"Messages in {queue.DisplayName}" : "All messages still queued";

    private async Task ShowDetailsAsync(string queueId)
    {
        var parameters = new DialogParameters<MessageDetailsDialog>
        {
            { d => d.QueueId, queueId },
            { d => d.Actor, _actor },
        };
        var dialog = await Dialogs.ShowAsync<MessageDetailsDialog>($"Message {queueId}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Large, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true });
        await dialog.Result;
        await RefreshAsync();
    }

    private async Task BulkAsync(QueueAction action)
    {
        bool ran;
        if (_applyToAllMatching)
        {
            ran = await QueueActionRunner.ConfirmAndRunMatchingAsync(Dialogs, Snackbar, Operations, _actor, action, BuildQuery(null).ToFilter(), ShowProgressAsync, _disposed.Token);
        }
        else
        {
            var ids = _selected.Select(m => m.QueueId).ToList();
            if (ids.Count == 0)
            {
                Snackbar.Add("No message is selected.", Severity.Info);
                return;
            }
            ran = await QueueActionRunner.ConfirmAndRunAsync(Dialogs, Snackbar, Operations, _actor, action, ids, _disposed.Token);
        }
        if (ran)
            await RefreshAsync();
    }

    private Task ShowProgressAsync(string? running)
    {
        _running = running;
        StateHasChanged();
        return Task.CompletedTask;
    }

    private static string Recipients(QueuedMessageSummary m) =>
        m.RecipientCount > 1 ? $"{m.FirstRecipient} +{m.RecipientCount - 1}" : m.FirstRecipient ?? "";

    private static string NodeText(QueuedMessageSummary m) =>
        m.DeliveringNode is { } node && !string.Equals(node, m.ReceivingNode, StringComparison.OrdinalIgnoreCase) ? $"{m.ReceivingNode} → {node}" : m.ReceivingNode;

    /// <summary>Sizes as people read them: 812 B, 14.2 KB, 3.1 MB (1 KB = 1024 bytes, as mail clients count).</summary>
    public static string SizeText(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };

    public static Color StatusColor(QueueMessageStatus status) => status switch
    {
        QueueMessageStatus.Active => Color.Info,
        QueueMessageStatus.Ready => Color.Success,
        QueueMessageStatus.Retry => Color.Warning,
        QueueMessageStatus.Poison => Color.Error,
        QueueMessageStatus.Quarantined or QueueMessageStatus.Suspended => Color.Secondary,
        _ => Color.Default,
    };

    private static string QueueStatusLabel(NextHopQueueSummary q) => q.Kind switch
    {
        NextHopQueueKind.Submission => "Submission",
        NextHopQueueKind.Poison => "Poison",
        NextHopQueueKind.Unreachable => "Unreachable",
        _ => q.Status.ToString(),
    };

    private static string QueueStatusText(NextHopQueueSummary q) => q.Kind switch
    {
        NextHopQueueKind.Delivery => q.Status switch
        {
            NextHopQueueStatus.Active => "A delivery to this next hop is under way.",
            NextHopQueueStatus.Ready => "Work is due and waits for a free connection.",
            NextHopQueueStatus.Retry => "Everything in it waits for its retry time.",
            _ => "Suspended by an administrator.",
        },
        NextHopQueueKind.Unreachable => "No route for these recipients.",
        NextHopQueueKind.Submission => "Accepted, not yet categorized.",
        _ => "Crashed processing twice; held.",
    };

    /// <summary>Rows are the same message when their queue ids are: a refreshed row stays selected.</summary>
    private sealed class SameMessage : IEqualityComparer<QueuedMessageSummary>
    {
        public static readonly SameMessage Instance = new();
        public bool Equals(QueuedMessageSummary? x, QueuedMessageSummary? y) => x?.QueueId == y?.QueueId;
        public int GetHashCode(QueuedMessageSummary obj) => StringComparer.Ordinal.GetHashCode(obj.QueueId);
    }

    private Task RetryQueueAsync(NextHopQueueSummary queue) => QueueCommandAsync(
        () => Operations.RetryQueueAsync(_actor, queue.NextHopKey, _disposed.Token), n => $"{n} message(s) for {queue.DisplayName} will be retried now.");

    private Task ResumeQueueAsync(NextHopQueueSummary queue) => QueueCommandAsync(
        () => Operations.ResumeQueueAsync(_actor, queue.NextHopKey, _disposed.Token), _ => $"{queue.DisplayName} resumed.");

    private async Task SuspendQueueAsync(NextHopQueueSummary queue)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Suspend queue",
            $"Suspend delivery to {queue.Name?.Text ?? queue.NextHopKey}? Messages stay queued until you resume it.", yesText: "Suspend", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await QueueCommandAsync(async () => { await Operations.SuspendQueueAsync(_actor, queue.NextHopKey, _disposed.Token); return 0; }, _ => $"{queue.DisplayName} suspended.");
    }

    private async Task QueueCommandAsync(Func<Task<int>> command, Func<int, string> success)
    {
        try
        {
            var count = await command();
            Snackbar.Add(success(count), Severity.Success);
        }
        catch (ConfigurationForbiddenException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await RefreshAsync();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private void OnZoneChanged() => _ = InvokeAsync(StateHasChanged);

    public void Dispose()
    {
        Clock.Changed -= OnZoneChanged;
        _disposed.Cancel();
        _timer?.Dispose();
        _disposed.Dispose();
    }
}
