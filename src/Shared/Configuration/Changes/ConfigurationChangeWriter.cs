using System.Text.Json;
using Mailflow.Auditing;
using Mailflow.Cluster;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// The one way configuration changes reach the store. A service validates and stages its entity
/// changes on a context (inside a transaction of its own if its validation reads must be atomic with
/// the write), then calls <see cref="CommitAsync"/>: the changes, a new configuration generation and
/// the audit entries are saved and the transaction is committed here — only then is the change
/// published, so a node that reloads on the signal always finds it. On PostgreSQL a NOTIFY on
/// <see cref="NotifyChannel"/> goes out with the commit (delivered to every node at commit time),
/// and the in-process bus tells this node's engine at once.
/// </summary>
public sealed class ConfigurationChangeWriter(IConfigurationChangeBus bus, StoreSettings store, TimeProvider time)
{
    public const string NotifyChannel = "mailflow_config";

    /// <returns>The new generation number.</returns>
    /// <exception cref="ConfigurationConflictException">An object was saved by someone else since it was read.</exception>
    public async Task<long> CommitAsync(MailflowDbContext db, AdminActor actor, string summary, IReadOnlyList<AuditChange> changes, CancellationToken cancellationToken)
    {
        var ownTransaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;
        var transaction = db.Database.CurrentTransaction!;
        try
        {
            var now = time.GetUtcNow();
            var generation = new ConfigurationGeneration { CreatedAt = now, ChangedBy = actor.Name, Summary = summary };
            db.ConfigurationGenerations.Add(generation);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new ConfigurationConflictException("Someone else changed this object after you opened it. Reload it and make your change again.");
            }

            foreach (var change in changes)
            {
                db.AuditEntries.Add(new AuditEntry
                {
                    At = now,
                    Actor = actor.Name,
                    Action = change.Action,
                    ObjectType = change.ObjectType,
                    ObjectId = change.ObjectId,
                    ObjectName = change.ObjectName,
                    Before = change.Before,
                    After = change.After,
                    Generation = generation.Number,
                });
            }
            // Snapshot after the changes are saved, inside the same transaction: exactly this generation's state.
            var state = await ConfigurationState.LoadAsync(db, tracking: false, cancellationToken);
            generation.Document = JsonSerializer.Serialize(ConfigurationAsCodeService.ToDocument(state, includeRecipientPasswordHashes: false), ConfigurationDocument.JsonOptions);
            await db.SaveChangesAsync(cancellationToken);

            if (store.Provider == DatabaseProvider.Postgres)
            {
                var payload = generation.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await db.Database.ExecuteSqlAsync($"SELECT pg_notify({NotifyChannel}, {payload})", cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            bus.Publish(generation.Number);
            return generation.Number;
        }
        finally
        {
            if (ownTransaction is not null)
                await ownTransaction.DisposeAsync();
        }
    }

    /// <summary>Marks <paramref name="entity"/> as saved from <paramref name="revisionRead"/>: the save fails with a conflict if the stored revision moved on.</summary>
    public static void ExpectRevision<T>(MailflowDbContext db, T entity, int revisionRead) where T : class, IConfigurationObject
    {
        db.Entry(entity).Property(e => e.Revision).OriginalValue = revisionRead;
        entity.Revision = revisionRead + 1;
    }
}
