using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Writes a batch of accepted messages in one store transaction: for each message its rows
/// (<see cref="QueueRowInserter"/>) and its content streamed from the staging (<see cref="ContentStore"/>),
/// then one COMMIT, i.e. one WAL fsync on SQLite (synchronous=FULL, see <see cref="SqliteStoreGate"/>) or
/// one WAL flush on PostgreSQL for the whole batch. The write turn is taken only here, after every
/// message of the batch is fully staged, so no lock is held across a network read.
/// </summary>
internal sealed class StoreBatchWriter(
    IDbContextFactory<MailflowDbContext> dbFactory,
    SqliteStoreGate gate,
    TimeProvider time) : IQueueBatchWriter
{
    public async Task WriteAsync(IReadOnlyList<PendingCommit> batch, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using (await gate.EnterDurableWriteAsync(db, cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // The acceptance time is the batch's: each client hears 250 right after this transaction commits.
            var now = time.GetUtcNow();
            foreach (var pending in batch)
            {
                pending.Message.QueuedAt = now;
                // Due at once: the categorizer picks it up next.
                pending.Message.NextAttemptAt = now;
            }
            if (db.Database.GetDbConnection() is NpgsqlConnection)
                await QueueRowInserter.WritePostgresBatchAsync(db, [.. batch.Select(p => (p.Message, p.Content))], cancellationToken);
            else
                await WriteOneByOneAsync(db, batch, cancellationToken);
            // Not cancellable: once COMMIT is on its way, abandoning it would only leave the sessions
            // unsure whether their messages are stored (and their clients would send them again).
            await transaction.CommitAsync(CancellationToken.None);
        }
    }

    /// <summary>SQLite runs in this process: a statement costs no round trip, and content goes in through blob I/O.</summary>
    private static async Task WriteOneByOneAsync(MailflowDbContext db, IReadOnlyList<PendingCommit> batch, CancellationToken cancellationToken)
    {
        await using var rows = QueueRowInserter.Create(db);
        foreach (var pending in batch)
        {
            var id = await rows.InsertAsync(pending.Message, cancellationToken);
            await using var content = await pending.Content.OpenReadAsync(cancellationToken);
            await ContentStore.InsertAsync(db, id, content, pending.Content.Length, cancellationToken);
        }
    }
}
