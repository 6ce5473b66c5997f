using System.Data.Common;
using System.Runtime.CompilerServices;
using Mailflow.Data;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The hot-path INSERTs of a newly accepted message (its <see cref="QueuedMessage"/> row and its
/// <see cref="QueuedRecipient"/> rows) as plain ADO.NET commands on the context's connection and
/// transaction. EF's change tracking cost more CPU per message than the rest of the commit (see
/// bench/PROFILE.md); these commands skip it but take everything else from the EF model: table and
/// column names, and each column's type mapping, so value converters (enums stored by name,
/// DateTimeOffset as a number on SQLite) write exactly what EF itself would write and read back.
/// One instance serves one batch; its commands are reused for every message in it, so SQLite prepares
/// each statement once per batch.
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
        var shapes = ShapesByModel.GetValue(db.Model, model => new Shapes(
            InsertShape.For(model.FindEntityType(typeof(QueuedMessage))!),
            InsertShape.For(model.FindEntityType(typeof(QueuedRecipient))!)));
        return new QueueRowInserter(db.Database.GetDbConnection(), transaction, shapes);
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

    public async ValueTask DisposeAsync()
    {
        await _message.DisposeAsync();
        await _recipient.DisposeAsync();
    }

    private sealed record Shapes(InsertShape Message, InsertShape Recipient);

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

        public static InsertShape For(IEntityType entity)
        {
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            var key = entity.FindPrimaryKey()!.Properties.Single();
            var columns = entity.GetProperties()
                .Where(p => !(p == key && p.ValueGenerated != ValueGenerated.Never))
                .Select((p, i) => (p, (RelationalTypeMapping)p.GetRelationalTypeMapping(), $"@p{i}"))
                .ToArray();
            // Both Microsoft.Data.Sqlite and Npgsql take @name parameters; both support RETURNING (SQLite ≥ 3.35).
            var qualified = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"";
            var sql = $"INSERT INTO {qualified} ({string.Join(", ", columns.Select(c => $"\"{c.p.GetColumnName(store)}\""))}) " +
                      $"VALUES ({string.Join(", ", columns.Select(c => c.Item3))}) RETURNING \"{key.GetColumnName(store)}\"";
            return new InsertShape(columns, sql);
        }

        /// <summary>Replaces the command's parameters with the entity's values, converted by each column's type mapping.</summary>
        public void Bind(DbCommand command, object entity)
        {
            command.Parameters.Clear();
            foreach (var (property, mapping, name) in _columns)
                command.Parameters.Add(mapping.CreateParameter(command, name, property.GetGetter().GetClrValueUsingContainingEntity(entity), property.IsNullable));
        }
    }
}
