using System.Collections.Concurrent;
using Mailflow.Server.Transport;

namespace Mailflow.Server.Tests.Receive.Fakes;

/// <summary>An in-memory sink that records committed messages and can be told to fail at each step.</summary>
public sealed class RecordingSink : IMessageSink
{
    private int _next;

    public ConcurrentQueue<StoredMessage> Committed { get; } = new();
    public int Begun => _begun;
    public int Aborted => _aborted;
    public bool FailOnBegin { get; set; }
    public bool FailOnWrite { get; set; }
    public bool FailOnCommit { get; set; }
    /// <summary>Largest single write seen: proves content is streamed, not accumulated.</summary>
    public int LargestWrite { get; private set; }

    private int _begun;
    private int _aborted;

    public ValueTask<IMessageTransaction> BeginAsync(MessageEnvelope envelope, CancellationToken cancellationToken)
    {
        if (FailOnBegin)
            throw new InvalidOperationException("store down (begin)");
        Interlocked.Increment(ref _begun);
        return ValueTask.FromResult<IMessageTransaction>(new Transaction(this, envelope));
    }

    public sealed record StoredMessage(string QueueId, MessageEnvelope Envelope, byte[] Content, IReadOnlyDictionary<string, string>? Tags = null)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Content);
        /// <summary>The content without the Received: header the session prepends.</summary>
        public string Body => Text[(Text.IndexOf("\r\n", Text.IndexOf("; ", StringComparison.Ordinal), StringComparison.Ordinal) + 2)..];
    }

    private sealed class Transaction(RecordingSink sink, MessageEnvelope envelope) : IMessageTransaction
    {
        private readonly MemoryStream _content = new();
        private bool _done;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            if (sink.FailOnWrite && _content.Length > 0)
                throw new IOException("store down (write)");
            sink.LargestWrite = Math.Max(sink.LargestWrite, content.Length);
            _content.Write(content.Span);
            return ValueTask.CompletedTask;
        }

        public long Length => _content.Length;

        public ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<Stream>(new MemoryStream(_content.ToArray(), writable: false));

        public ValueTask<string> CommitAsync(MessageAdditions additions, CancellationToken cancellationToken)
        {
            if (sink.FailOnCommit)
                throw new IOException("store down (commit)");
            var id = $"Q{Interlocked.Increment(ref sink._next)}";
            sink.Committed.Enqueue(new StoredMessage(id, envelope, [.. additions.Headers.Span, .. additions.WithoutRemoved(_content.ToArray())],
                new Dictionary<string, string>(additions.Tags)));
            _done = true;
            return ValueTask.FromResult(id);
        }

        public async ValueTask<string> DiscardAsync()
        {
            await AbortAsync();
            return $"D{Interlocked.Increment(ref sink._next)}";
        }

        public ValueTask AbortAsync()
        {
            if (!_done)
                Interlocked.Increment(ref sink._aborted);
            _done = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => _done ? ValueTask.CompletedTask : AbortAsync();
    }
}
