using Mailflow.Server.Transport.Queue;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Mailflow.Queue.Tests;

public sealed class SqliteQueueStoreTests(ITestOutputHelper output) : QueueStoreContractTests(output)
{
    protected override Task<TestStore> CreateStoreAsync() => TestStore.CreateSqliteAsync();

    /// <summary>Takes this process's SQLite write turn, which every queue writer waits for.</summary>
    protected override async Task<IAsyncDisposable> BlockQueueWritesAsync()
    {
        var db = await Store.CreateDbContextAsync();
        var turn = await Store.Gate.EnterWriteAsync(db, CancellationToken.None);
        return new Releaser(turn, db);
    }

    private sealed class Releaser(params IAsyncDisposable[] held) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var item in held)
                await item.DisposeAsync();
        }
    }

    [Fact]
    public async Task OtherWriters_CommitFreely_WhileATransactionWaitsBetweenWrites()
    {
        var envelope = TestMessages.Envelope(Store.Time.GetUtcNow());
        var slow = TestMessages.Content(300_000, seed: 1);
        await using var waiting = await Store.Sink.BeginAsync(envelope, CancellationToken.None);
        await TestMessages.WriteChunksAsync(waiting, slow.AsMemory(0, 200_000), 64 * 1024);

        // The session is now "waiting on the network". A second message commits through the sink…
        var quick = TestMessages.Content(5000, seed: 2);
        var quickId = await TestMessages.StoreAsync(Store.Sink, envelope, quick).WaitAsync(TimeSpan.FromSeconds(30));
        // …and an unrelated writer on its own connection gets the write lock at once (a 1 s busy
        // timeout: a lock held by the waiting transaction would make this throw "database is locked").
        await using (var other = new SqliteConnection($"{Store.Settings.ConnectionString};Default Timeout=1;Pooling=false"))
        {
            await other.OpenAsync();
            await using var transaction = other.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: takes the write lock now
            await using var write = other.CreateCommand();
            write.CommandText = "UPDATE \"QueuedMessages\" SET \"Priority\" = 1";
            Assert.Equal(1, await write.ExecuteNonQueryAsync());
            transaction.Commit();
        }

        await TestMessages.WriteChunksAsync(waiting, slow.AsMemory(200_000), 64 * 1024);
        var slowId = await waiting.CommitAsync(CancellationToken.None);

        var slowMessage = (await Store.Queue.FindAsync(slowId, CancellationToken.None))!;
        Assert.Equal(TestMessages.Sha256(slow), slowMessage.ContentSha256);
        Assert.True(await Store.Queue.VerifyContentAsync(slowMessage.Id, CancellationToken.None));
        Assert.Equal(TestMessages.Sha256(quick), (await Store.Queue.FindAsync(quickId, CancellationToken.None))!.ContentSha256);
    }

    [Fact]
    public async Task Store_UsesWalWithFullSync_WhenSinkHasCommitted()
    {
        await StoreMessagesAsync(1);

        await using var db = await Store.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var pragma = db.Database.GetDbConnection().CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await pragma.ExecuteScalarAsync());
        // synchronous is per connection and set on every write turn: FULL (2) for accepting a message,
        // NORMAL (1) for bookkeeping after it — on the same pooled connection, one after the other.
        var gate = new SqliteStoreGate();
        await using var dbForGate = await Store.CreateDbContextAsync();
        await using (await gate.EnterDurableWriteAsync(dbForGate, CancellationToken.None))
            Assert.Equal(2L, await SynchronousAsync(dbForGate));
        await using (await gate.EnterWriteAsync(dbForGate, CancellationToken.None))
            Assert.Equal(1L, await SynchronousAsync(dbForGate));
        await using (await gate.EnterDurableWriteAsync(dbForGate, CancellationToken.None))
            Assert.Equal(2L, await SynchronousAsync(dbForGate));
    }

    private static async Task<long> SynchronousAsync(Microsoft.EntityFrameworkCore.DbContext db)
    {
        await using var sync = db.Database.GetDbConnection().CreateCommand();
        sync.CommandText = "PRAGMA synchronous";
        return (long)(await sync.ExecuteScalarAsync())!;
    }
}
