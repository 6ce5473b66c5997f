using System.Collections.Concurrent;
using Npgsql;
using Xunit.Abstractions;

namespace Mailflow.Queue.Tests;

[Collection(nameof(QueueTestPostgres))]
public sealed class PostgresQueueStoreTests(QueueTestPostgres postgres, ITestOutputHelper output) : QueueStoreContractTests(output)
{
    protected override async Task<TestStore> CreateStoreAsync() => await TestStore.CreatePostgresAsync(await postgres.CreateDatabaseAsync());

    /// <summary>A SHARE lock on the messages table: every INSERT into it waits until this transaction ends.</summary>
    protected override async Task<IAsyncDisposable> BlockQueueWritesAsync()
    {
        var connection = new NpgsqlConnection(Store.Settings.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE \"QueuedMessages\" IN SHARE MODE", connection, transaction))
            await lockTable.ExecuteNonQueryAsync();
        return new Releaser(transaction, connection);
    }

    private sealed class Releaser(NpgsqlTransaction transaction, NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task ConcurrentClaimers_NeverGetTheSameMessage_WhenClaimingAtOnce()
    {
        var ids = await StoreMessagesAsync(60);
        var claimed = new ConcurrentBag<(string Owner, long MessageId)>();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var claimers = Enumerable.Range(1, 6).Select(n => Task.Run(async () =>
        {
            var owner = $"node-{n}";
            await go.Task;
            while (true)
            {
                var batch = await Store.Queue.ClaimAsync(owner, 3, TimeSpan.FromMinutes(5));
                if (batch.Count == 0)
                    return;
                foreach (var claim in batch)
                    claimed.Add((owner, claim.Message.Id));
            }
        })).ToList();
        go.SetResult();
        await Task.WhenAll(claimers).WaitAsync(TimeSpan.FromMinutes(1));

        var messageIds = claimed.Select(c => c.MessageId).ToList();
        Assert.Equal(messageIds.Count, messageIds.Distinct().Count());
        Assert.Equal(ids.Count, messageIds.Count);
        Output.WriteLine(string.Join(", ", claimed.GroupBy(c => c.Owner).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));
    }

    [Fact]
    public async Task Claim_SkipsRowsLockedByAnotherTransaction_InsteadOfWaiting()
    {
        await StoreMessagesAsync(3);
        await using var db = await Store.CreateDbContextAsync();
        var oldest = db.QueuedMessages.OrderBy(m => m.Id).Select(m => m.Id).First();

        // Another node is in the middle of claiming the oldest message: its row is locked.
        await using var other = new NpgsqlConnection(Store.Settings.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM \"QueuedMessages\" WHERE \"Id\" = @id FOR UPDATE", other, transaction))
        {
            lockRow.Parameters.AddWithValue("id", oldest);
            await lockRow.ExecuteScalarAsync();
        }

        // A blocking claim would wait for that transaction forever; the guard turns that into a failure.
        var claims = await Store.Queue.ClaimAsync("node-b", 10, TimeSpan.FromMinutes(5)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, claims.Count);
        Assert.DoesNotContain(claims, c => c.Message.Id == oldest);
        await transaction.RollbackAsync();
        Assert.Equal(oldest, Assert.Single(await Store.Queue.ClaimAsync("node-b", 10, TimeSpan.FromMinutes(5))).Message.Id);
    }
}
