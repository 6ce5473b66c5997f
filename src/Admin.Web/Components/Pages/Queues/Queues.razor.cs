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

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _disposed = new();
    private ITimer? _timer;
    private IReadOnlyList<NextHopQueueSummary>? _queues;
    private DateTimeOffset? _refreshedAt;
    private string? _loadError;
    private AdminActor _actor = new("anonymous", new HashSet<string>());
    private MudDataGrid<QueuedMessageSummary>? _grid;
    private HashSet<QueuedMessageSummary> _selected = new(SameMessage.Instance);
    private string? _running;
    private bool _applyToAllMatching;
    private string? _nextHop;
    private string? _sender;
    private string? _recipient;
    private string? _subject;
    private QueuedMessageState? _state;
    private DateTime? _receivedFrom;
    private DateTime? _receivedBefore;

    private bool CanManage => _actor.CanManageOrganization;
    private bool HasTarget => _applyToAllMatching || _selected.Count > 0;
    private string SelectionText => _applyToAllMatching ? "All matching messages" : $"{_selected.Count} selected";

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
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
            NextHopKey = _nextHop,
            Sender = Blank(_sender),
            Recipient = Blank(_recipient),
            SubjectContains = Blank(_subject),
            State = _state,
            ReceivedFrom = Local(_receivedFrom),
            ReceivedBefore = Local(_receivedBefore),
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

    private async Task StateChangedAsync(QueuedMessageState? state)
    {
        _state = state;
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

    private async Task SelectQueueAsync(string? nextHop)
    {
        _nextHop = nextHop;
        await ReloadMessagesAsync();
    }

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

    /// <summary>The date fields hold the admin's wall-clock time (the grid shows times the same way).</summary>
    private static DateTimeOffset? Local(DateTime? value) =>
        value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Unspecified), TimeZoneInfo.Local.GetUtcOffset(v)) : null;

    private static string Recipients(QueuedMessageSummary m) =>
        m.RecipientCount > 1 ? $"{m.FirstRecipient} +{m.RecipientCount - 1}" : m.FirstRecipient ?? "";

    /// <summary>Rows are the same message when their queue ids are: a refreshed row stays selected.</summary>
    private sealed class SameMessage : IEqualityComparer<QueuedMessageSummary>
    {
        public static readonly SameMessage Instance = new();
        public bool Equals(QueuedMessageSummary? x, QueuedMessageSummary? y) => x?.QueueId == y?.QueueId;
        public int GetHashCode(QueuedMessageSummary obj) => StringComparer.Ordinal.GetHashCode(obj.QueueId);
    }

    private Task RetryQueueAsync(string nextHop) => QueueCommandAsync(
        () => Operations.RetryQueueAsync(_actor, nextHop, _disposed.Token), n => $"{n} message(s) for {nextHop} will be retried now.");

    private Task ResumeQueueAsync(string nextHop) => QueueCommandAsync(
        () => Operations.ResumeQueueAsync(_actor, nextHop, _disposed.Token), _ => $"{nextHop} resumed.");

    private async Task SuspendQueueAsync(string nextHop)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Suspend queue",
            $"Suspend delivery to {nextHop}? Messages stay queued until you resume it.", yesText: "Suspend", cancelText: "Cancel");
        if (confirmed != true)
            return;
        await QueueCommandAsync(async () => { await Operations.SuspendQueueAsync(_actor, nextHop, _disposed.Token); return 0; }, _ => $"{nextHop} suspended.");
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

    public void Dispose()
    {
        _disposed.Cancel();
        _timer?.Dispose();
        _disposed.Dispose();
    }
}
