using System.Collections.Concurrent;
using System.Diagnostics;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Cluster.Tests.Kill;

/// <summary>One copy of a message the next hop accepted, and when.</summary>
public sealed record Delivery(string MessageId, TimeSpan At);

/// <summary>
/// The next hop of the kill tests: a <see cref="LoopbackSmtpServer"/> that accepts everything and
/// records each accepted copy's Message-ID with the time on the test's clock (just before its 250),
/// so duplicates can be placed relative to the kills.
/// </summary>
public sealed class RecordingSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly LoopbackSmtpServer _server;

    public RecordingSink(Stopwatch clock, TimeSpan? delayBeforeDataReply = null)
    {
        var delay = delayBeforeDataReply ?? TimeSpan.Zero;
        _server = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            // A little latency at the end of data widens the window in which a kill finds deliveries in flight.
            BeforeReply = verb => verb == "DATA" && delay > TimeSpan.Zero ? Task.Delay(delay) : Task.CompletedTask,
            DataReply = message =>
            {
                var id = MimeMessage.Load(new MemoryStream(message.Data)).MessageId ?? "";
                _deliveries.Enqueue(new Delivery(id, clock.Elapsed));
                return "250 2.0.0 Queued as loopback";
            },
        });
    }

    public int Port => _server.Port;

    public IReadOnlyList<Delivery> Deliveries => [.. _deliveries];

    public HashSet<string> DistinctIds() => [.. _deliveries.Select(d => d.MessageId)];

    /// <summary>Waits (bounded) until every one of <paramref name="ids"/> has arrived at least once.</summary>
    public async Task<TimeSpan> WaitForAllAsync(IReadOnlySet<string> ids, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!ids.IsSubsetOf(DistinctIds()) && waited.Elapsed < timeout)
            await Task.Delay(100);
        return waited.Elapsed;
    }

    /// <summary>Waits (bounded) until a copy arrives after <paramref name="after"/> on the test's clock; returns when it arrived, or null.</summary>
    public async Task<TimeSpan?> WaitForDeliveryAfterAsync(TimeSpan after, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            var first = _deliveries.Where(d => d.At > after).Select(d => (TimeSpan?)d.At).Min();
            if (first is not null)
                return first;
            await Task.Delay(50);
        }
        return null;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
