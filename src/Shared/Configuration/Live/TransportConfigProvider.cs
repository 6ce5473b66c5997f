using Mailflow.Cluster;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailflow.Configuration;

/// <summary>
/// Holds this node's current <see cref="TransportConfig"/> and swaps it when a newer generation is
/// saved. Reloads are serialized and skipped when the stored generation has not moved, so a change
/// signalled twice (in-process and by NOTIFY) loads once. After each swap the node records the
/// generation it runs in the node registry.
/// </summary>
public sealed partial class TransportConfigProvider(
    IDbContextFactory<MailflowDbContext> dbFactory,
    IOptions<MailflowOptions> options,
    ListenerBindReport listeners,
    TimeProvider time,
    ILogger<TransportConfigProvider> logger)
{
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private volatile TransportConfig _current = TransportConfig.Empty;
    /// <summary>Whether this process's start is in the node registry yet (its first heartbeat records it).</summary>
    private bool _startRecorded;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TransportConfig Current => _current;

    public string NodeName => options.Value.ResolvedNodeName;

    /// <summary>Raised after a new snapshot was swapped in (on the reloading thread).</summary>
    public event Action<TransportConfig>? Changed;

    /// <summary>Loads the configuration if the stored generation differs from the current one.</summary>
    public async Task<TransportConfig> RefreshAsync(CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var latest = await TransportConfigLoader.ReadLatestGenerationAsync(db, cancellationToken);
            if (latest == _current.Generation && _current != TransportConfig.Empty)
                return _current;
            var loaded = await TransportConfigLoader.LoadAsync(db, time, cancellationToken);
            _current = loaded;
            Log.GenerationLoaded(logger, loaded.Generation, NodeName);
            await RecordActiveGenerationAsync(db, loaded.Generation, cancellationToken);
            Changed?.Invoke(loaded);
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return loaded;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>Completes when this node runs <paramref name="generation"/> or a later one.</summary>
    public async Task WaitForGenerationAsync(long generation, CancellationToken cancellationToken)
    {
        while (_current.Generation < generation)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (_current.Generation >= generation)
                return;
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Registers the node on first call and refreshes its heartbeat (with the listeners' bind results).</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await RecordActiveGenerationAsync(db, _current.Generation, cancellationToken);
    }

    private async Task RecordActiveGenerationAsync(MailflowDbContext db, long generation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Name == NodeName, cancellationToken);
        if (node is null)
        {
            node = new NodeRegistration { Name = NodeName, FirstStartedAt = now, Address = options.Value.ResolvedFqdn };
            db.Nodes.Add(node);
        }
        if (!_startRecorded)
        {
            // This process's first heartbeat: a start (the first, or a restart of a node the registry knows).
            if (node.FirstStartedAt == default)
                node.FirstStartedAt = node.StartedAt == default ? now : node.StartedAt;
            node.StartedAt = now;
            node.StartCount++;
            node.Address = options.Value.ResolvedFqdn;
        }
        node.LastHeartbeat = now;
        node.ActiveGeneration = generation;
        node.ListenerFailures = ListenerBindFailure.Serialize(listeners.Failures);
        await db.SaveChangesAsync(cancellationToken);
        _startRecorded = true;
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "Configuration generation {Generation} is active on node {Node}")]
        public static partial void GenerationLoaded(ILogger logger, long generation, string node);
    }
}
