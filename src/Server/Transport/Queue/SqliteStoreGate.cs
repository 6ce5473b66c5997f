using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// SQLite allows one writer at a time. Queue writers in this process take turns on an async gate
/// instead of colliding on SQLITE_BUSY (Microsoft.Data.Sqlite would retry a busy statement with
/// sleeps, which wastes the time of every session committing at once). The SQLite store serves one
/// node, so an in-process gate is the whole story; on PostgreSQL the gate is a no-op.
/// It also makes each connection durable before it writes (see <see cref="PrepareConnectionAsync"/>).
/// </summary>
public sealed class SqliteStoreGate
{
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> _walEnabled = new();

    /// <summary>
    /// A write whose commit must be on disk before the caller answers anyone: accepting a message
    /// (the 250). Opens the connection and, on SQLite, waits for this process's write turn.
    /// </summary>
    public ValueTask<IAsyncDisposable> EnterDurableWriteAsync(DbContext db, CancellationToken cancellationToken) =>
        EnterAsync(db, durable: true, cancellationToken);

    /// <summary>
    /// A bookkeeping write after acceptance (categorizing, delivery outcomes, leases, tracking): it
    /// survives a killed process, and on a power loss it can only be lost together with what came
    /// after it — the WAL is replayed in order, and the next durable commit's fsync covers every
    /// frame before it. Losing one means a message is categorized or delivered again (at least
    /// once), never that an accepted message is lost, so it need not wait for its own fsync.
    /// </summary>
    public ValueTask<IAsyncDisposable> EnterWriteAsync(DbContext db, CancellationToken cancellationToken) =>
        EnterAsync(db, durable: false, cancellationToken);

    private async ValueTask<IAsyncDisposable> EnterAsync(DbContext db, bool durable, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        if (db.Database.GetDbConnection() is not SqliteConnection sqlite)
            return NoTurn.Instance;
        await _writer.WaitAsync(cancellationToken);
        try
        {
            await PrepareConnectionAsync(sqlite, durable, cancellationToken);
            return new Turn(_writer);
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    /// <summary>
    /// WAL, so readers (the queue viewer, a delivery streaming a blob) never block a commit and a commit
    /// never blocks them; journal_mode is a property of the database file, set once.
    /// synchronous=FULL for durable writes, a per-connection setting (set on every turn, because pooled
    /// connections are shared by both kinds of write), so their commit fsyncs the WAL before it returns:
    /// in WAL mode NORMAL already survives a killed process (the committed frames are in the OS page
    /// cache, and the next open replays them), but it can lose the last commits on power loss or an OS
    /// crash, and RFC 5321 §6.1 says a message we answered 250 for must not be lost "because the host
    /// later crashes". Postfix fsyncs its queue files for the same reason.
    /// </summary>
    private async Task PrepareConnectionAsync(SqliteConnection connection, bool durable, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        if (!_walEnabled.ContainsKey(connection.DataSource))
        {
            command.CommandText = "PRAGMA journal_mode=WAL";
            var mode = (string?)await command.ExecuteScalarAsync(cancellationToken);
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"SQLite refused WAL journal mode (got '{mode}'); the queue needs it.");
            _walEnabled[connection.DataSource] = true;
        }
        command.CommandText = durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class Turn(SemaphoreSlim writer) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                writer.Release();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoTurn : IAsyncDisposable
    {
        public static readonly NoTurn Instance = new();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
