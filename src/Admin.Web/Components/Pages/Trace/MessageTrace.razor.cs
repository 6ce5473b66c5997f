using Mailflow.Admin.Web.Tracking;
using Mailflow.Tracking;
using Microsoft.AspNetCore.Components;

namespace Mailflow.Admin.Web.Components.Pages.Trace;

/// <summary>Message trace: search the tracking events and show each matching message's timeline.</summary>
public sealed partial class MessageTrace : IDisposable
{
    [Inject] private MessageTraceQuery Query { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    /// <summary>Deep link: /message-trace?id=... searches for that message at once (the queue viewer links here).</summary>
    [SupplyParameterFromQuery(Name = "id")] public string? InitialId { get; set; }

    private readonly CancellationTokenSource _disposed = new();
    private readonly TraceForm _form = new();
    private IReadOnlyList<TracedMessage>? _results;
    private bool _searching;
    private string? _error;
    private string? _rangeError;

    /// <summary>The time-range choice that shows the From/To day pickers.</summary>
    private const int CustomRange = 0;

    protected override async Task OnInitializedAsync()
    {
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
            _results = await Query.SearchAsync(new MessageTraceSearch
            {
                Sender = _form.Sender,
                Recipient = _form.Recipient,
                Subject = _form.Subject,
                MessageOrQueueId = _form.MessageOrQueueId,
                Kind = _form.Kind,
                From = from,
                To = to,
            }, _disposed.Token);
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

    /// <summary>The searched window: the last N hours, or whole UTC days from the custom range (null and a message next to the field when incomplete).</summary>
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
        var from = new DateTimeOffset(DateTime.SpecifyKind(fromDay.Date, DateTimeKind.Utc));
        var to = new DateTimeOffset(DateTime.SpecifyKind(toDay.Date, DateTimeKind.Utc)).AddDays(1).AddTicks(-1);
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
