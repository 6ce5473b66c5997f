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
        _searching = true;
        _error = null;
        try
        {
            var now = Time.GetUtcNow();
            _results = await Query.SearchAsync(new MessageTraceSearch
            {
                Sender = _form.Sender,
                Recipient = _form.Recipient,
                Subject = _form.Subject,
                MessageOrQueueId = _form.MessageOrQueueId,
                Kind = _form.Kind,
                From = now.AddHours(-_form.Hours),
                To = now.AddMinutes(1),
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
        public MessageTrackingEventKind? Kind { get; set; }
    }
}
