using System.Collections.Concurrent;
using Mailflow.Server.Transport.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Queue.Tests;

/// <summary>
/// The group committer's own rules, with a writer the test controls: batching while a write is in
/// progress, and that a waiter is acknowledged only by a successful write that included its message.
/// </summary>
public sealed class GroupCommitterTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Commit_BatchesMessagesThatArriveDuringAWrite_WhenWriterIsBusy()
    {
        var writer = new ControlledWriter();
        await using var committer = new GroupCommitter(writer, NullLogger<GroupCommitter>.Instance);

        var first = committer.CommitAsync(Message("Q-1"), Content(), CancellationToken.None);
        await writer.Entered.Task.WaitAsync(Guard);
        var rest = Enumerable.Range(2, 9).Select(i => committer.CommitAsync(Message($"Q-{i}"), Content(), CancellationToken.None)).ToList();
        writer.Release.SetResult();

        Assert.Equal("Q-1", await first.WaitAsync(Guard));
        Assert.Equal(Enumerable.Range(2, 9).Select(i => $"Q-{i}"), await Task.WhenAll(rest).WaitAsync(Guard));
        Assert.Equal([1, 9], writer.CommittedBatches.Select(b => b.Count));
        Assert.Equal(2, committer.CommittedBatches);
        Assert.Equal(10, committer.CommittedMessages);
    }

    [Fact]
    public async Task Commit_FailsOnlyThePoisonMessage_WhenItsBatchFails()
    {
        var writer = new ControlledWriter { Poison = "Q-POISON" };
        await using var committer = new GroupCommitter(writer, NullLogger<GroupCommitter>.Instance);

        var first = committer.CommitAsync(Message("Q-1"), Content(), CancellationToken.None);
        await writer.Entered.Task.WaitAsync(Guard);
        var before = committer.CommitAsync(Message("Q-2"), Content(), CancellationToken.None);
        var poison = committer.CommitAsync(Message("Q-POISON"), Content(), CancellationToken.None);
        var after = committer.CommitAsync(Message("Q-3"), Content(), CancellationToken.None);
        writer.Release.SetResult();

        Assert.Equal("Q-1", await first.WaitAsync(Guard));
        Assert.Equal("Q-2", await before.WaitAsync(Guard));
        Assert.Equal("Q-3", await after.WaitAsync(Guard));
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => poison.WaitAsync(Guard));
        Assert.Contains("Q-POISON", failure.Message);
        // Every acknowledged message was in a successful write; the poison never was.
        var committed = writer.CommittedBatches.SelectMany(b => b).ToList();
        Assert.Equal(["Q-1", "Q-2", "Q-3"], committed.Order());
        Assert.Equal(3, committer.CommittedMessages);
    }

    [Fact]
    public async Task Commit_AcknowledgesNothing_WhenEveryWriteFails()
    {
        var writer = new ControlledWriter { FailEverything = true };
        await using var committer = new GroupCommitter(writer, NullLogger<GroupCommitter>.Instance);

        var first = committer.CommitAsync(Message("Q-1"), Content(), CancellationToken.None);
        await writer.Entered.Task.WaitAsync(Guard);
        var rest = Enumerable.Range(2, 4).Select(i => committer.CommitAsync(Message($"Q-{i}"), Content(), CancellationToken.None)).ToList();
        writer.Release.SetResult();

        foreach (var commit in rest.Prepend(first))
            await Assert.ThrowsAsync<IOException>(() => commit.WaitAsync(Guard));
        Assert.Empty(writer.CommittedBatches);
        Assert.Equal(0, committer.CommittedMessages);
    }

    [Fact]
    public async Task Dispose_FinishesQueuedMessages_AndRefusesNewOnes()
    {
        var writer = new ControlledWriter();
        var committer = new GroupCommitter(writer, NullLogger<GroupCommitter>.Instance);
        var first = committer.CommitAsync(Message("Q-1"), Content(), CancellationToken.None);
        await writer.Entered.Task.WaitAsync(Guard);
        var queued = committer.CommitAsync(Message("Q-2"), Content(), CancellationToken.None);

        var disposing = committer.DisposeAsync().AsTask();
        Assert.Throws<ObjectDisposedException>(() => { _ = committer.CommitAsync(Message("Q-3"), Content(), CancellationToken.None); });
        writer.Release.SetResult();
        await disposing.WaitAsync(Guard);

        Assert.Equal("Q-1", await first);
        Assert.Equal("Q-2", await queued);
    }

    private static QueuedMessage Message(string queueId) => new() { QueueId = queueId, Sender = "alice@sender.test" };

    private static StagedBytes Content() => new("Subject: x\r\n\r\nbody\r\n"u8.ToArray());

    /// <summary>
    /// Holds its first write until released (so later commits pile up behind it), then commits a batch
    /// unless it contains the poison message or everything is set to fail. A failed batch records nothing.
    /// </summary>
    private sealed class ControlledWriter : IQueueBatchWriter
    {
        private int _writes;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? Poison { get; init; }
        public bool FailEverything { get; init; }
        public ConcurrentQueue<IReadOnlyList<string>> CommittedBatches { get; } = new();

        public async Task WriteAsync(IReadOnlyList<PendingCommit> batch, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _writes) == 1)
            {
                Entered.SetResult();
                await Release.Task;
            }
            if (FailEverything)
                throw new IOException("store unavailable");
            if (batch.FirstOrDefault(p => p.Message.QueueId == Poison) is { } poison)
                throw new InvalidOperationException($"cannot store {poison.Message.QueueId}");
            CommittedBatches.Enqueue(batch.Select(p => p.Message.QueueId).ToList());
        }
    }
}
