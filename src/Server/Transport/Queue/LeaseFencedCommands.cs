using System.Data.Common;
using System.Runtime.CompilerServices;
using Mailflow.Data;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The bookkeeping writes every message makes after its 250 (lease check, delivery outcome, routed
/// recipients replaced, release) as plain ADO.NET commands on the batch's connection and transaction.
/// They run inside the <see cref="BookkeepingCommitter"/>'s write turn, which on SQLite is also the
/// turn acceptance commits wait for; as LINQ <c>ExecuteUpdate</c>/queries each one went through EF's
/// query cache lookup (hashing and comparing the whole expression tree), which made EF the largest
/// item of the relay profile (bench/PROFILE.md). Like <see cref="QueueRowInserter"/>, table names,
/// column names and each value's conversion (enums by name, DateTimeOffset as a number on SQLite) come
/// from the EF model, so these statements read and write exactly what EF does.
/// </summary>
internal static class LeaseFencedCommands
{
    private static readonly ConditionalWeakTable<IModel, Shape> Shapes = new();

    /// <summary>True when the message is still leased with this token (every write under a lease checks it first).</summary>
    public static async Task<bool> HeldAsync(MailflowDbContext db, QueueLease lease, CancellationToken cancellationToken)
    {
        var s = ShapeOf(db);
        await using var command = Command(db, s.Held);
        s.Bind(command, "@id", s.MessageId, lease.MessageId);
        s.Bind(command, "@token", s.LeaseToken, lease.Token);
        return await command.ExecuteScalarAsync(cancellationToken) is not (null or DBNull);
    }

    /// <summary>
    /// Ends the claim in one statement: Completed when every recipient is final, otherwise due again at
    /// the earliest unfinished recipient's retry time (now when it has none), in <paramref name="advanceTo"/>
    /// or its current state. Recipients are read back by the statement rather than trusted from the
    /// caller: an administrator may have changed them meanwhile. 1 when released, 0 when the lease was lost.
    /// </summary>
    public static async Task<int> ReleaseAsync(MailflowDbContext db, QueueLease lease, QueuedMessageState? advanceTo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var s = ShapeOf(db);
        await using var command = Command(db, s.Release);
        s.Bind(command, "@id", s.MessageId, lease.MessageId);
        s.Bind(command, "@token", s.LeaseToken, lease.Token);
        s.Bind(command, "@now", s.NextAttemptAt, now);
        s.Bind(command, "@advance", s.State, advanceTo);
        s.Bind(command, "@completed", s.State, QueuedMessageState.Completed);
        s.BindFinalStatuses(command);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One recipient's delivery attempt; <paramref name="notifiedAt"/> (when set) marks its final DSN as decided.</summary>
    public static async Task RecordOutcomeAsync(
        MailflowDbContext db, long messageId, RecipientResult result, string? responseText, DateTimeOffset now, DateTimeOffset? notifiedAt, CancellationToken cancellationToken)
    {
        var s = ShapeOf(db);
        await using var command = Command(db, s.Outcome);
        s.Bind(command, "@id", s.RecipientId, result.RecipientId);
        s.Bind(command, "@message", s.RecipientMessageId, messageId);
        s.Bind(command, "@status", s.Status, result.Status);
        s.Bind(command, "@now", s.LastAttemptAt, now);
        s.Bind(command, "@retry", s.NextRetryAt, result.RetryAt);
        s.Bind(command, "@text", s.LastResponse, responseText);
        s.Bind(command, "@code", s.LastReplyCode, result.Response.Code);
        s.Bind(command, "@host", s.LastRemoteHost, result.Response.RemoteHost);
        s.Bind(command, "@notified", s.FinalNotifiedAt, notifiedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes these recipient rows of the message.</summary>
    public static async Task DeleteRecipientsAsync(MailflowDbContext db, long messageId, IReadOnlyCollection<long> recipientIds, CancellationToken cancellationToken)
    {
        if (recipientIds.Count == 0)
            return;
        var s = ShapeOf(db);
        var names = recipientIds.Select((_, i) => $"@r{i}").ToArray();
        await using var command = Command(db, $"{s.DeleteRecipients} ({string.Join(", ", names)})");
        s.Bind(command, "@message", s.RecipientMessageId, messageId);
        var index = 0;
        foreach (var id in recipientIds)
            s.Bind(command, names[index++], s.RecipientId, id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Shape ShapeOf(MailflowDbContext db) => Shapes.GetValue(db.Model, model => new Shape(model));

    private static DbCommand Command(MailflowDbContext db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Bookkeeping writes run inside the committer's transaction.");
        command.CommandText = sql;
        return command;
    }

    /// <summary>The statements and column mappings for one EF model (SQLite and PostgreSQL models differ in conversions).</summary>
    private sealed class Shape
    {
        private static readonly QueuedRecipientStatus[] FinalStatuses = [.. Enum.GetValues<QueuedRecipientStatus>().Where(s => s.IsFinal())];

        public Shape(IModel model)
        {
            var message = model.FindEntityType(typeof(QueuedMessage))!;
            var recipient = model.FindEntityType(typeof(QueuedRecipient))!;
            MessageId = message.FindProperty(nameof(QueuedMessage.Id))!;
            LeaseToken = message.FindProperty(nameof(QueuedMessage.LeaseToken))!;
            State = message.FindProperty(nameof(QueuedMessage.State))!;
            NextAttemptAt = message.FindProperty(nameof(QueuedMessage.NextAttemptAt))!;
            RecipientId = recipient.FindProperty(nameof(QueuedRecipient.Id))!;
            RecipientMessageId = recipient.FindProperty(nameof(QueuedRecipient.MessageId))!;
            Status = recipient.FindProperty(nameof(QueuedRecipient.Status))!;
            LastAttemptAt = recipient.FindProperty(nameof(QueuedRecipient.LastAttemptAt))!;
            NextRetryAt = recipient.FindProperty(nameof(QueuedRecipient.NextRetryAt))!;
            LastResponse = recipient.FindProperty(nameof(QueuedRecipient.LastResponse))!;
            LastReplyCode = recipient.FindProperty(nameof(QueuedRecipient.LastReplyCode))!;
            LastRemoteHost = recipient.FindProperty(nameof(QueuedRecipient.LastRemoteHost))!;
            FinalNotifiedAt = recipient.FindProperty(nameof(QueuedRecipient.FinalNotifiedAt))!;

            var messages = Table(message);
            var recipients = Table(recipient);
            string M(string property) => Column(message, property);
            string R(string property) => Column(recipient, property);
            var finals = string.Join(", ", FinalStatuses.Select((_, i) => $"@final{i}"));
            var unfinished = $"FROM {recipients} WHERE {R(nameof(QueuedRecipient.MessageId))} = @id AND {R(nameof(QueuedRecipient.Status))} NOT IN ({finals})";
            var fence = $"WHERE {M(nameof(QueuedMessage.Id))} = @id AND {M(nameof(QueuedMessage.LeaseToken))} = @token";

            Held = $"SELECT 1 FROM {messages} {fence}";
            Release = $"""
                UPDATE {messages} SET
                  {M(nameof(QueuedMessage.State))} = CASE WHEN EXISTS (SELECT 1 {unfinished})
                    THEN COALESCE(@advance, {M(nameof(QueuedMessage.State))}) ELSE @completed END,
                  {M(nameof(QueuedMessage.NextAttemptAt))} = (SELECT MIN(COALESCE({R(nameof(QueuedRecipient.NextRetryAt))}, @now)) {unfinished}),
                  {M(nameof(QueuedMessage.LeaseOwner))} = NULL,
                  {M(nameof(QueuedMessage.LeaseToken))} = NULL,
                  {M(nameof(QueuedMessage.LeaseUntil))} = NULL
                {fence}
                """;
            Outcome = $"""
                UPDATE {recipients} SET
                  {R(nameof(QueuedRecipient.Status))} = @status,
                  {R(nameof(QueuedRecipient.AttemptCount))} = {R(nameof(QueuedRecipient.AttemptCount))} + 1,
                  {R(nameof(QueuedRecipient.LastAttemptAt))} = @now,
                  {R(nameof(QueuedRecipient.NextRetryAt))} = @retry,
                  {R(nameof(QueuedRecipient.LastResponse))} = @text,
                  {R(nameof(QueuedRecipient.LastReplyCode))} = @code,
                  {R(nameof(QueuedRecipient.LastRemoteHost))} = @host,
                  {R(nameof(QueuedRecipient.FinalNotifiedAt))} = COALESCE(@notified, {R(nameof(QueuedRecipient.FinalNotifiedAt))})
                WHERE {R(nameof(QueuedRecipient.Id))} = @id AND {R(nameof(QueuedRecipient.MessageId))} = @message
                """;
            DeleteRecipients = $"DELETE FROM {recipients} WHERE {R(nameof(QueuedRecipient.MessageId))} = @message AND {R(nameof(QueuedRecipient.Id))} IN";
        }

        public string Held { get; }
        public string Release { get; }
        public string Outcome { get; }
        /// <summary>Ends with <c>IN</c>; the caller appends the parenthesized id parameters.</summary>
        public string DeleteRecipients { get; }

        public IProperty MessageId { get; }
        public IProperty LeaseToken { get; }
        public IProperty State { get; }
        public IProperty NextAttemptAt { get; }
        public IProperty RecipientId { get; }
        public IProperty RecipientMessageId { get; }
        public IProperty Status { get; }
        public IProperty LastAttemptAt { get; }
        public IProperty NextRetryAt { get; }
        public IProperty LastResponse { get; }
        public IProperty LastReplyCode { get; }
        public IProperty LastRemoteHost { get; }
        public IProperty FinalNotifiedAt { get; }

        /// <summary>Adds <paramref name="value"/> as the named parameter, converted by the column's type mapping (as EF writes it).</summary>
        public void Bind(DbCommand command, string name, IProperty column, object? value)
        {
            var mapping = (RelationalTypeMapping)column.GetRelationalTypeMapping();
            // Nullable: the same mapping also binds the nulls of optional arguments (@advance, @retry, @notified).
            command.Parameters.Add(mapping.CreateParameter(command, name, value, nullable: true));
        }

        public void BindFinalStatuses(DbCommand command)
        {
            for (var i = 0; i < FinalStatuses.Length; i++)
                Bind(command, $"@final{i}", Status, FinalStatuses[i]);
        }

        private static string Table(IEntityType entity) =>
            entity.GetSchema() is { } schema ? $"\"{schema}\".\"{entity.GetTableName()}\"" : $"\"{entity.GetTableName()}\"";

        private static string Column(IEntityType entity, string property)
        {
            var store = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            return $"\"{entity.FindProperty(property)!.GetColumnName(store)}\"";
        }
    }
}
