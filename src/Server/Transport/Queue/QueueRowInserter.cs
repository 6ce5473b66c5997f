using System.Data.Common;
using System.Runtime.CompilerServices;
using Mailflow.Data;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The hot-path INSERTs of a newly accepted message (its <see cref="QueuedMessage"/> row and its
/// <see cref="QueuedRecipient"/> rows) as plain ADO.NET commands on the context's connection and
/// transaction. EF's change tracking cost more CPU per message than the rest of the commit (see
/// bench/PROFILE.md); these commands skip it but take everything else from the EF model: table and
/// column names, and each column's type mapping, so value converters (enums stored by name,
/// DateTimeOffset as a number on SQLite) write exactly what EF itself would write and read back.
/// On SQLite one instance serves one batch; its commands are reused for every message in it, so SQLite
/// prepares each statement once per batch. PostgreSQL sends a batch at once (<see cref="WritePostgresBatchAsync"/>).
/// </summary>
internal sealed class QueueRowInserter : IAsyncDisposable
{
    private static readonly ConditionalWeakTable<IModel, Shapes> ShapesByModel = new();

    private readonly DbCommand _message;
    private readonly DbCommand _recipient;
    private readonly Shapes _shapes;

    private QueueRowInserter(DbConnection connection, DbTransaction transaction, Shapes shapes)
    {
        _shapes = shapes;
        _message = connection.CreateCommand();
        _message.Transaction = transaction;
        _message.CommandText = shapes.Message.Sql;
        _recipient = connection.CreateCommand();
        _recipient.Transaction = transaction;
        _recipient.CommandText = shapes.Recipient.Sql;
    }

    /// <summary>An inserter over the context's open connection, inside its current transaction.</summary>
    public static QueueRowInserter Create(MailflowDbContext db)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Queue rows must be written inside a store transaction.");
        return new QueueRowInserter(db.Database.GetDbConnection(), transaction, ShapesFor(db.Model));
    }

    private static Shapes ShapesFor(IModel model) => ShapesByModel.GetValue(model, m => new Shapes(
        InsertShape.For(m.FindEntityType(typeof(QueuedMessage))!, withKey: false),
        InsertShape.For(m.FindEntityType(typeof(QueuedMessage))!, withKey: true),
        InsertShape.For(m.FindEntityType(typeof(QueuedRecipient))!, withKey: false)));

    /// <summary>
    /// PostgreSQL: the whole batch in two round trips instead of three per message. First the message
    /// ids are drawn from the identity sequence, then every row and every content goes out in one
    /// <see cref="NpgsqlBatch"/> (contents as stream parameters, copied to the socket as it is written).
    /// On a loaded two-core box a loopback round trip costs a few hundred microseconds, which made the
    /// one-statement-at-a-time path the bottleneck of the committer.
    /// </summary>
    public static async Task WritePostgresBatchAsync(MailflowDbContext db, IReadOnlyList<(QueuedMessage Message, IStagedContent Content)> batch, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)(db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Queue rows must be written inside a store transaction."));
        var shapes = ShapesFor(db.Model);

        var ids = new List<long>(batch.Count);
        await using (var next = new NpgsqlCommand(
            "SELECT nextval(pg_get_serial_sequence(@table, @column)) FROM generate_series(1, @count)", connection, transaction))
        {
            next.Parameters.AddWithValue("table", shapes.MessageWithKey.Table);
            next.Parameters.AddWithValue("column", shapes.MessageWithKey.KeyColumn);
            next.Parameters.AddWithValue("count", batch.Count);
            await using var reader = await next.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                ids.Add(reader.GetInt64(0));
        }

        var contents = new List<Stream>(batch.Count);
        try
        {
            await using var factory = connection.CreateCommand();
            await using var rows = new NpgsqlBatch(connection, transaction);
            for (var i = 0; i < batch.Count; i++)
            {
                var (message, staged) = batch[i];
                message.Id = ids[i];
                rows.BatchCommands.Add(Command(shapes.MessageWithKey, factory, message));
                foreach (var recipient in message.Recipients)
                {
                    recipient.MessageId = message.Id;
                    rows.BatchCommands.Add(Command(shapes.Recipient, factory, recipient));
                }
                var content = await staged.OpenReadAsync(cancellationToken);
                contents.Add(content);
                rows.BatchCommands.Add(ContentStore.PostgresInsertCommand(db, message.Id, content, staged.Length));
            }
            await rows.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            foreach (var content in contents)
                await content.DisposeAsync();
        }
    }

    private static NpgsqlBatchCommand Command(InsertShape shape, DbCommand factory, object entity)
    {
        var command = new NpgsqlBatchCommand(shape.Sql);
        foreach (var parameter in shape.Parameters(factory, entity))
            command.Parameters.Add((NpgsqlParameter)parameter);
        return command;
    }

    /// <summary>Inserts the message and its recipients; returns (and sets) the message's generated id.</summary>
    public async Task<long> InsertAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        _shapes.Message.Bind(_message, message);
        var id = Convert.ToInt64(await _message.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        message.Id = id;
        foreach (var recipient in message.Recipients)
        {
            recipient.MessageId = id;
            _shapes.Recipient.Bind(_recipient, recipient);
            await _recipient.ExecuteNonQueryAsync(cancellationToken);
        }
        return id;
    }

    /// <summary>Inserts one recipient row of an existing message (the categorizer's routed recipients).</summary>
    public async Task InsertRecipientAsync(QueuedRecipient recipient, CancellationToken cancellationToken)
    {
        _shapes.Recipient.Bind(_recipient, recipient);
        await _recipient.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _message.DisposeAsync();
        await _recipient.DisposeAsync();
    }

    private sealed record Shapes(InsertShape Message, InsertShape MessageWithKey, InsertShape Recipient);

    /// <summary>INSERT … RETURNING key for one entity type: every stored column except the generated key.</summary>
    private sealed class InsertShape
    {
        private readonly (IProperty Property, RelationalTypeMapping Mapping, string Name)[] _columns;

        private InsertShape((IProperty, RelationalTypeMapping, string)[] columns, string sql)
        {
            _columns = columns;
            Sql = sql;
        }

        public string Sql { get; }

        public string Table { get; private init; } = "";

        public string KeyColumn { get; private init; } = "";

        /// <param name="withKey">Write the key too (PostgreSQL batches take their ids from the sequence first);
        /// otherwise the store generates it and the statement returns it.</param>
        public static InsertShape For(IEntityType entity, bool withKey)
        {
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            var key = entity.FindPrimaryKey()!.Properties.Single();
            var columns = entity.GetProperties()
                .Where(p => withKey || !(p == key && p.ValueGenerated != ValueGenerated.Never))
                .Select((p, i) => (p, (RelationalTypeMapping)p.GetRelationalTypeMapping(), $"@p{i}"))
                .ToArray();
            // Both Microsoft.Data.Sqlite and Npgsql take @name parameters; both support RETURNING (SQLite ≥ 3.35).
            var qualified = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"";
            var sql = $"INSERT INTO {qualified} ({string.Join(", ", columns.Select(c => $"\"{c.p.GetColumnName(store)}\""))}) " +
                      $"VALUES ({string.Join(", ", columns.Select(c => c.Item3))})" +
                      (withKey ? "" : $" RETURNING \"{key.GetColumnName(store)}\"");
            return new InsertShape(columns, sql) { Table = qualified, KeyColumn = key.GetColumnName(store)! };
        }

        /// <summary>Replaces the command's parameters with the entity's values, converted by each column's type mapping.</summary>
        public void Bind(DbCommand command, object entity)
        {
            command.Parameters.Clear();
            foreach (var parameter in Parameters(command, entity))
                command.Parameters.Add(parameter);
        }

        /// <summary>The entity's values as parameters (made by <paramref name="factory"/>), converted by each column's type mapping.</summary>
        public IEnumerable<DbParameter> Parameters(DbCommand factory, object entity)
        {
            foreach (var (property, mapping, name) in _columns)
                yield return mapping.CreateParameter(factory, name, property.GetGetter().GetClrValueUsingContainingEntity(entity), property.IsNullable);
        }
    }
}
