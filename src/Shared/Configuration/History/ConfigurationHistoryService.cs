using System.Text.Json;
using Mailflow.Auditing;
using Mailflow.Cluster;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>A configuration generation as history lists it; <see cref="CanRollBack"/> when its snapshot was stored.</summary>
public sealed record GenerationSummary(long Number, DateTimeOffset CreatedAt, string ChangedBy, string Summary, bool CanRollBack);

/// <summary>
/// Configuration history: the generations, what each changed (its audit entries), and rollback —
/// applying an earlier generation's stored <see cref="ConfigurationDocument"/> through configuration
/// as code, which validates it, keeps stored secrets, and commits it as one new, audited generation.
/// </summary>
public sealed class ConfigurationHistoryService(IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationAsCodeService asCode)
{
    public async Task<IReadOnlyList<GenerationSummary>> ListAsync(int take = 200, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ConfigurationGenerations.AsNoTracking()
            .OrderByDescending(g => g.Number)
            .Take(take)
            .Select(g => new { g.Number, g.CreatedAt, g.ChangedBy, g.Summary, HasDocument = g.Document != null })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new GenerationSummary(r.Number, r.CreatedAt, r.ChangedBy, r.Summary, r.HasDocument))];
    }

    /// <summary>The audit entries written with generation <paramref name="number"/>.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ChangesAsync(long number, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.AuditEntries.AsNoTracking().Where(a => a.Generation == number).OrderBy(a => a.Id).ToListAsync(cancellationToken);
    }

    /// <summary>The configuration as of generation <paramref name="number"/>, or null when no snapshot exists for it.</summary>
    public async Task<ConfigurationDocument?> DocumentAsync(long number, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var json = await db.ConfigurationGenerations.AsNoTracking().Where(g => g.Number == number).Select(g => g.Document).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : JsonSerializer.Deserialize<ConfigurationDocument>(json, ConfigurationDocument.JsonOptions);
    }

    /// <summary>What rolling back to <paramref name="number"/> would change now. Changes nothing.</summary>
    public async Task<ConfigurationPlan> PlanRollbackAsync(long number, CancellationToken cancellationToken = default)
    {
        var document = await DocumentAsync(number, cancellationToken) ?? throw NoSnapshot(number);
        return await asCode.PlanAsync(document, cancellationToken);
    }

    /// <summary>Makes the configuration what it was at generation <paramref name="number"/>, as a new generation.</summary>
    /// <returns>The new generation number, or null when the configuration already matches.</returns>
    public async Task<long?> RollBackAsync(AdminActor actor, long number, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var document = await DocumentAsync(number, cancellationToken) ?? throw NoSnapshot(number);
        var result = await asCode.ApplyAsync(actor, document, dryRun: false, cancellationToken, summary: $"Rolled back to generation {number}");
        return result.Generation;
    }

    private static ConfigurationNotFoundException NoSnapshot(long number) =>
        new($"Generation {number} has no stored configuration to roll back to (it was saved before history snapshots existed).");
}
