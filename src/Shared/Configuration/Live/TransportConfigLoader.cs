using System.Collections.Frozen;
using System.Data;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Reads one consistent generation of the configuration from the store.</summary>
public static class TransportConfigLoader
{
    public static async Task<long> ReadLatestGenerationAsync(MailflowDbContext db, CancellationToken cancellationToken) =>
        await db.ConfigurationGenerations.MaxAsync(g => (long?)g.Number, cancellationToken) ?? 0;

    public static async Task<TransportConfig> LoadAsync(MailflowDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        // One read transaction, so the generation number and the rows belong together
        // (repeatable read on PostgreSQL; SQLite transactions are serializable).
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var generation = await ReadLatestGenerationAsync(db, cancellationToken);
        var config = new TransportConfig(
            generation,
            time.GetUtcNow(),
            await db.AcceptedDomains.AsNoTracking().ToListAsync(cancellationToken),
            await db.ReceiveConnectors.AsNoTracking().ToListAsync(cancellationToken),
            await db.SendConnectors.AsNoTracking().ToListAsync(cancellationToken),
            await db.Recipients.AsNoTracking().ToListAsync(cancellationToken),
            await db.TransportRules.AsNoTracking().ToListAsync(cancellationToken),
            await db.OrganizationSettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken) ?? new OrganizationSettings(),
            await db.TlsCertificates.AsNoTracking().ToListAsync(cancellationToken))
        {
            TransportAgents = [.. await db.TransportAgentSettings.AsNoTracking().ToListAsync(cancellationToken)],
            IpList = [.. await db.IpListEntries.AsNoTracking().ToListAsync(cancellationToken)],
            AddressRewrites = [.. await db.AddressRewriteEntries.AsNoTracking().ToListAsync(cancellationToken)],
            RemoteDomains = [.. await db.RemoteDomains.AsNoTracking().ToListAsync(cancellationToken)],
            Protection = await db.ProtectionSettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken) ?? new ProtectionSettings(),
            Operations = await db.OperationsSettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken) ?? new OperationsSettings(),
            BlockedSenders = (await db.BlockedSenders.AsNoTracking().ToListAsync(cancellationToken)).ToFrozenDictionary(b => b.UserName, StringComparer.OrdinalIgnoreCase),
            DkimSigningKeys = [.. await db.DkimSigningKeys.AsNoTracking().ToListAsync(cancellationToken)],
            JournalRules = [.. (await db.JournalRules.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)],
        };
        await transaction.CommitAsync(cancellationToken);
        return config;
    }
}
