using Mailflow.Admin.Web.Time;
using Mailflow.Tracking;
using MudBlazor;
using Microsoft.AspNetCore.Components;

namespace Mailflow.Admin.Web.Components.Pages.Trace;

/// <summary>Message trace: search the tracking events and show each matching message's timeline.</summary>
public sealed partial class MessageTrace : IDisposable
{
    [Inject] private MessageTraceQuery Query { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private AdminClock Clock { get; set; } = default!;

    /// <summary>Deep link: /message-trace?id=... searches for that message at once (the queue viewer links here).</summary>
    [SupplyParameterFromQuery(Name = "id")] public string? InitialId { get; set; }

    /// <summary>Deep link: /message-trace?view=refused&amp;client=203.0.113.7 opens the Refused tab searching for that client.</summary>
    [SupplyParameterFromQuery(Name = "view")] public string? InitialView { get; set; }
    [SupplyParameterFromQuery(Name = "client")] public string? InitialClient { get; set; }

    private const int RefusedTab = 1;
    private int _tab;

    private readonly CancellationTokenSource _disposed = new();
    private readonly TraceForm _form = new();
    private IReadOnlyList<TracedMessage>? _results;
    private MessageTraceSearch? _lastSearch;
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);
    private bool _searching;
    private string? _error;
    private string? _rangeError;

    /// <summary>The time-range choice that shows the From/To day pickers.</summary>
    private const int CustomRange = 0;

    protected override async Task OnInitializedAsync()
    {
        if (string.Equals(InitialView, "refused", StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(InitialClient))
            _tab = RefusedTab;
        if (!string.IsNullOrWhiteSpace(InitialId))
        {
            _form.MessageOrQueueId = InitialId;
            _form.Hours = 720;
            await SearchAsync();
        }
    }

    private async Task SearchAsync()
    {
        _rangeError = null;
        if (Window() is not var (from, to))
            return;
        _searching = true;
        _error = null;
        try
        {
            var search = new MessageTraceSearch
            {
                Sender = _form.Sender,
                Recipient = _form.Recipient,
                Subject = _form.Subject,
                MessageOrQueueId = _form.MessageOrQueueId,
                Kind = _form.Kind,
                From = from,
                To = to,
            };
            _results = await Query.SearchAsync(search, _disposed.Token);
            _lastSearch = search;
            _open.Clear();
            // One message found (a deep link, a Message-ID): show its outcome and timeline at once.
            if (_results.Count == 1)
                _open.Add(_results[0].Key);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = $"The trace could not be read from the store: {ex.Message}";
        }
        finally
        {
            _searching = false;
        }
    }

    private void Toggle(TracedMessage message)
    {
        if (!_open.Remove(message.Key))
            _open.Add(message.Key);
    }

    private static string Sender(TracedMessage m) => m.Sender.Length == 0 ? "<> (bounce)" : m.Sender;

    private static string RecipientsText(TracedMessage m) => m.Recipients.Count switch
    {
        0 => "—",
        1 => m.Recipients[0].Address,
        _ => $"{m.Recipients[0].Address} +{m.Recipients.Count - 1}",
    };

    public static Color OutcomeColor(TraceOutcome outcome) => outcome switch
    {
        TraceOutcome.Delivered => Color.Success,
        TraceOutcome.Failed => Color.Error,
        TraceOutcome.Pending => Color.Warning,
        TraceOutcome.Quarantined or TraceOutcome.Removed => Color.Secondary,
        _ => Color.Default,
    };

    /// <summary>The searched window: the last N hours, or whole days (in the admin's zone) from the custom range (null and a message next to the field when incomplete).</summary>
    private (DateTimeOffset From, DateTimeOffset To)? Window()
    {
        if (_form.Hours != CustomRange)
        {
            var now = Time.GetUtcNow();
            return (now.AddHours(-_form.Hours), now.AddMinutes(1));
        }
        if (_form.FromDay is not { } fromDay || _form.ToDay is not { } toDay)
        {
            _rangeError = "Pick the first and the last day to search.";
            return null;
        }
        if (toDay.Date < fromDay.Date)
        {
            _rangeError = "The last day is before the first day.";
            return null;
        }
        var from = Clock.FromWallClock(fromDay.Date);
        var to = Clock.FromWallClock(toDay.Date.AddDays(1)).AddTicks(-1);
        return (from, to);
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private sealed class TraceForm
    {
        public string? Sender { get; set; }
        public string? Recipient { get; set; }
        public string? Subject { get; set; }
        public string? MessageOrQueueId { get; set; }
        public int Hours { get; set; } = 24;
        public DateTime? FromDay { get; set; }
        public DateTime? ToDay { get; set; }
        public MessageTrackingEventKind? Kind { get; set; }
    }
}
