using System.Buffers;
using System.Data;
using System.Data.Common;
using Mailflow.Data;
using Mailflow.Queue;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Streams message content into and out of the <see cref="MessageContent"/> table without ever
/// holding a whole message in memory:
/// <list type="bullet">
/// <item>PostgreSQL: the bytea parameter is a <see cref="Stream"/> that Npgsql copies to the socket;
/// reads use <see cref="CommandBehavior.SequentialAccess"/> and <see cref="DbDataReader.GetStream"/>,
/// which read the column off the wire as the caller consumes it.</item>
/// <item>SQLite: the row is inserted with <c>zeroblob(n)</c>, then filled through incremental blob I/O
/// (<see cref="SqliteBlob"/>, sqlite3_blob_write) on the same connection and transaction; reads open a
/// read-only blob handle.</item>
/// </list>
/// </summary>
internal static class ContentStore
{
    private const int CopyBufferSize = 64 * 1024;

    /// <summary>Inserts the content row inside the context's current transaction.</summary>
    public static async Task InsertAsync(MailflowDbContext db, long messageId, Stream content, long length, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Content must be written inside the message's store transaction.");
        var (table, idColumn, dataColumn) = Names(db);

        switch (db.Database.GetDbConnection())
        {
            case SqliteConnection sqlite:
            {
                await using (var insert = sqlite.CreateCommand())
                {
                    insert.Transaction = (SqliteTransaction)transaction;
                    insert.CommandText = $"INSERT INTO \"{table}\" (\"{idColumn}\", \"{dataColumn}\") VALUES ($id, zeroblob($length))";
                    insert.Parameters.AddWithValue("$id", messageId);
                    insert.Parameters.AddWithValue("$length", length);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }
                // The key is an INTEGER PRIMARY KEY, i.e. the rowid the blob handle addresses.
                using var blob = new SqliteBlob(sqlite, table, dataColumn, messageId, readOnly: false);
                var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
                try
                {
                    long written = 0;
                    int read;
                    while ((read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
                    {
                        if (written + read > length)
                            throw new InvalidOperationException("The staged content is longer than its recorded length.");
                        blob.Write(buffer, 0, read);
                        written += read;
                    }
                    if (written != length)
                        throw new InvalidOperationException($"The staged content ended after {written} of {length} bytes.");
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                break;
            }
            case NpgsqlConnection postgres:
            {
                await using var insert = new NpgsqlCommand(
                    $"INSERT INTO \"{table}\" (\"{idColumn}\", \"{dataColumn}\") VALUES (@id, @data)",
                    postgres,
                    (NpgsqlTransaction)transaction);
                insert.Parameters.AddWithValue("id", messageId);
                // Npgsql writes a Stream parameter straight to the socket, reading exactly Size bytes.
                insert.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Bytea) { Value = content, Size = checked((int)length) });
                await insert.ExecuteNonQueryAsync(cancellationToken);
                break;
            }
            default:
                throw new NotSupportedException($"No content streaming for {db.Database.ProviderName}.");
        }
    }

    /// <summary>
    /// The PostgreSQL content INSERT as a batch command; <paramref name="content"/> must stay open until
    /// the batch has executed (Npgsql copies it to the socket then, reading exactly <paramref name="length"/> bytes).
    /// </summary>
    public static NpgsqlBatchCommand PostgresInsertCommand(MailflowDbContext db, long messageId, Stream content, long length)
    {
        var (table, idColumn, dataColumn) = Names(db);
        var insert = new NpgsqlBatchCommand($"INSERT INTO \"{table}\" (\"{idColumn}\", \"{dataColumn}\") VALUES (@id, @data)");
        insert.Parameters.AddWithValue("id", messageId);
        insert.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Bytea) { Value = content, Size = checked((int)length) });
        return insert;
    }

    /// <summary>
    /// Opens the stored content of a message as a forward-only stream, or returns null when there is
    /// none. The stream owns its own context and connection; dispose it promptly (on SQLite an open
    /// blob keeps a read snapshot, which holds back WAL checkpoints but never blocks writers).
    /// </summary>
    public static async Task<Stream?> OpenReadAsync(IDbContextFactory<MailflowDbContext> factory, long messageId, CancellationToken cancellationToken)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken);
        try
        {
            var (table, idColumn, dataColumn) = Names(db);
            await db.Database.OpenConnectionAsync(cancellationToken);
            switch (db.Database.GetDbConnection())
            {
                case SqliteConnection sqlite:
                {
                    await using (var exists = sqlite.CreateCommand())
                    {
                        exists.CommandText = $"SELECT 1 FROM \"{table}\" WHERE \"{idColumn}\" = $id";
                        exists.Parameters.AddWithValue("$id", messageId);
                        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                        {
                            await db.DisposeAsync();
                            return null;
                        }
                    }
                    var blob = new SqliteBlob(sqlite, table, dataColumn, messageId, readOnly: true);
                    return new OwningStream(blob, db);
                }
                case NpgsqlConnection postgres:
                {
                    var select = new NpgsqlCommand($"SELECT \"{dataColumn}\" FROM \"{table}\" WHERE \"{idColumn}\" = @id", postgres);
                    select.Parameters.AddWithValue("id", messageId);
                    var reader = await select.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken);
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        await reader.DisposeAsync();
                        await select.DisposeAsync();
                        await db.DisposeAsync();
                        return null;
                    }
                    return new OwningStream(reader.GetStream(0), reader, select, db);
                }
                default:
                    throw new NotSupportedException($"No content streaming for {db.Database.ProviderName}.");
            }
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private static (string Table, string IdColumn, string DataColumn) Names(MailflowDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(MessageContent))!;
        var table = entity.GetTableName()!;
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, entity.GetSchema());
        return (table,
            entity.FindProperty(nameof(MessageContent.MessageId))!.GetColumnName(store)!,
            entity.FindProperty(nameof(MessageContent.Data))!.GetColumnName(store)!);
    }

    /// <summary>A read stream that disposes what keeps it alive (reader, command, context) after itself.</summary>
    private sealed class OwningStream(Stream inner, params IAsyncDisposable[] owners) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private bool _disposed;

        public override async ValueTask DisposeAsync()
        {
            if (_disposed)
                return;
            _disposed = true;
            await inner.DisposeAsync();
            foreach (var owner in owners)
                await owner.DisposeAsync();
            GC.SuppressFinalize(this);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                inner.Dispose();
                foreach (var owner in owners)
                    (owner as IDisposable)?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
