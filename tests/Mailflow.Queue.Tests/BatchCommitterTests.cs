using Mailflow.Server.Transport.Queue;

namespace Mailflow.Queue.Tests;

/// <summary>
/// The generic batch committer behind acceptance and bookkeeping, with a commit function the test
/// controls: what goes into one batch (count and size bounds), that a failing item fails alone,
/// and shutdown.
/// </summary>
public sealed class BatchCommitterTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Batches_StopAtTheSizeBound_ButAlwaysTakeOneItem()
    {
        var commits = new ControlledCommits();
        await using var committer = commits.Committer(maxItems: 100, maxSize: 10);

        var first = commits.Enqueue(committer, "a", size: 50); // over the bound alone: still committed
        await commits.Entered.Task.WaitAsync(Guard);
        var rest = Enumerable.Range(1, 5).Select(i => commits.Enqueue(committer, $"b{i}", size: 6)).ToList();
        commits.Release.SetResult();

        await Task.WhenAll(rest.Prepend(first)).WaitAsync(Guard);
        // 6 < 10 lets a second item in; 12 stops the batch.
        Assert.Equal(["a", "b1 b2", "b3 b4", "b5"], commits.Batches.Select(b => string.Join(' ', b)));
        Assert.Equal(4, committer.CommittedBatches);
        Assert.Equal(6, committer.CommittedItems);
    }

    [Fact]
    public async Task Batches_StopAtTheCountBound()
    {
        var commits = new ControlledCommits();
        await using var committer = commits.Committer(maxItems: 3, maxSize: long.MaxValue);

        var first = commits.Enqueue(committer, "a", size: 0);
        await commits.Entered.Task.WaitAsync(Guard);
        var rest = Enumerable.Range(1, 7).Select(i => commits.Enqueue(committer, $"b{i}", size: 0)).ToList();
        commits.Release.SetResult();

        await Task.WhenAll(rest.Prepend(first)).WaitAsync(Guard);
        Assert.Equal([1, 3, 3, 1], commits.Batches.Select(b => b.Count));
    }

    [Fact]
    public async Task FailingItem_FailsAlone_AndTheBatchIsRetriedItemByItem()
    {
        var commits = new ControlledCommits { Poison = "bad" };
        await using var committer = commits.Committer(maxItems: 100, maxSize: long.MaxValue);

        var first = commits.Enqueue(committer, "a", size: 0);
        await commits.Entered.Task.WaitAsync(Guard);
        var good1 = commits.Enqueue(committer, "b", size: 0);
        var bad = commits.Enqueue(committer, "bad", size: 0);
        var good2 = commits.Enqueue(committer, "c", size: 0);
        commits.Release.SetResult();

        await Task.WhenAll(first, good1, good2).WaitAsync(Guard);
        await Assert.ThrowsAsync<InvalidOperationException>(() => bad.WaitAsync(Guard));
        Assert.Equal(["a", "b", "c"], commits.Batches.Select(b => string.Join(' ', b)));
        Assert.Equal(1, commits.FailedBatches);
        Assert.Equal(3, committer.CommittedItems);
    }

    [Fact]
    public async Task Dispose_CommitsWhatIsQueued_AndRefusesNewItems()
    {
        var commits = new ControlledCommits();
        var committer = commits.Committer(maxItems: 100, maxSize: long.MaxValue);
        var first = commits.Enqueue(committer, "a", size: 0);
        await commits.Entered.Task.WaitAsync(Guard);
        var queued = commits.Enqueue(committer, "b", size: 0);

        var disposing = committer.DisposeAsync().AsTask();
        commits.Release.SetResult();
        await disposing.WaitAsync(Guard);

        await Task.WhenAll(first, queued).WaitAsync(Guard);
        var refused = Assert.Throws<ObjectDisposedException>(() => committer.Enqueue(new Item("late", 0)));
        Assert.Contains("test committer", refused.Message);
    }

    private sealed class Item(string name, long size) : IBatchItem
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name { get; } = name;
        public long Size { get; } = size;
        public Task Done => _done.Task;

        public void Complete() => _done.TrySetResult();

        public void Fail(Exception exception) => _done.TrySetException(exception);
    }

    /// <summary>A commit function that holds its first batch until released and records every committed batch.</summary>
    private sealed class ControlledCommits
    {
        private readonly Lock _lock = new();
        private bool _first = true;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<List<string>> Batches { get; } = [];
        public int FailedBatches { get; private set; }
        public string? Poison { get; init; }

        public BatchCommitter<Item> Committer(int maxItems, long maxSize) =>
            new("test committer", CommitAsync, maxItems, maxSize, (_, _) => FailedBatches++);

        public Task Enqueue(BatchCommitter<Item> committer, string name, long size)
        {
            var item = new Item(name, size);
            committer.Enqueue(item);
            return item.Done;
        }

        private async Task CommitAsync(IReadOnlyList<Item> batch)
        {
            bool first;
            lock (_lock)
            {
                first = _first;
                _first = false;
            }
            if (first)
            {
                Entered.SetResult();
                await Release.Task;
            }
            if (batch.Any(i => i.Name == Poison))
                throw new InvalidOperationException($"{Poison} cannot be stored");
            lock (_lock)
                Batches.Add([.. batch.Select(i => i.Name)]);
        }
    }
}
