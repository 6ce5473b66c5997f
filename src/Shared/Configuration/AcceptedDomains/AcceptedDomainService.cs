using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Accepted domains: the domains Mailflow takes mail for. Validates, saves with audit and a new
/// configuration generation, and keeps exactly one default domain.
/// </summary>
public sealed class AcceptedDomainService(IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer)
{
    public async Task<IReadOnlyList<AcceptedDomain>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.AcceptedDomains.AsNoTracking().OrderBy(d => d.DomainName).ToListAsync(cancellationToken);
    }

    public async Task<AcceptedDomain?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.AcceptedDomains.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
    }

    /// <summary>Checks that need no store: the admin center calls it as the admin types.</summary>
    public static ValidationErrors ValidateFields(AcceptedDomain domain)
    {
        var errors = new ValidationErrors();
        if (!DomainNameRules.TryNormalize(domain.DomainName, out _, out var error))
            errors.Add(nameof(AcceptedDomain.DomainName), error!);
        if (!Enum.IsDefined(domain.Type))
            errors.Add(nameof(AcceptedDomain.Type), "Choose Authoritative, Internal relay or External relay.");
        return errors;
    }

    public async Task<AcceptedDomain> CreateAsync(AdminActor actor, AcceptedDomain input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var domain = new AcceptedDomain
        {
            DomainName = input.DomainName,
            Type = input.Type,
            MatchSubdomains = input.MatchSubdomains,
            IsDefault = input.IsDefault,
        };
        var others = await db.AcceptedDomains.ToListAsync(cancellationToken);
        Validate(domain, others);

        var changes = new List<AuditChange>();
        if (others.Count == 0)
            domain.IsDefault = true;
        else if (domain.IsDefault)
            changes.AddRange(ClearDefault(others));
        db.AcceptedDomains.Add(domain);
        changes.Insert(0, AuditChange.Created(domain));
        await writer.CommitAsync(db, actor, $"Accepted domain '{domain.DomainName}' created", changes, cancellationToken);
        return domain;
    }

    /// <param name="input">The edited domain; its <see cref="AcceptedDomain.Revision"/> must be the revision that was read.</param>
    public async Task<AcceptedDomain> UpdateAsync(AdminActor actor, AcceptedDomain input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var all = await db.AcceptedDomains.ToListAsync(cancellationToken);
        var domain = all.FirstOrDefault(d => d.Id == input.Id)
            ?? throw new ConfigurationNotFoundException($"Accepted domain {input.DomainName} no longer exists.");
        var before = AuditJson.Serialize(domain);
        var wasDefault = domain.IsDefault;

        domain.DomainName = input.DomainName;
        domain.Type = input.Type;
        domain.MatchSubdomains = input.MatchSubdomains;
        domain.IsDefault = input.IsDefault;
        var others = all.Where(d => d.Id != domain.Id).ToList();
        Validate(domain, others);
        if (wasDefault && !domain.IsDefault)
        {
            var errors = new ValidationErrors();
            errors.Add(nameof(AcceptedDomain.IsDefault), $"{domain.DomainName} is the default domain. Make another domain the default instead.");
            errors.ThrowIfAny();
        }

        var changes = new List<AuditChange>();
        if (domain.IsDefault && !wasDefault)
            changes.AddRange(ClearDefault(others));
        ConfigurationChangeWriter.ExpectRevision(db, domain, input.Revision);
        changes.Insert(0, AuditChange.Updated(before, domain));
        await writer.CommitAsync(db, actor, $"Accepted domain '{domain.DomainName}' changed", changes, cancellationToken);
        return domain;
    }

    public async Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var domain = await db.AcceptedDomains.FirstOrDefaultAsync(d => d.Id == id, cancellationToken)
            ?? throw new ConfigurationNotFoundException("That accepted domain no longer exists.");
        var errors = new ValidationErrors();
        if (domain.IsDefault)
            errors.Add(nameof(AcceptedDomain.IsDefault), $"{domain.DomainName} is the default domain and cannot be removed. Make another domain the default first.");
        var suffix = "@" + domain.DomainName;
        var users = await db.Recipients.AsNoTracking()
            .Where(r => r.PrimaryAddress.EndsWith(suffix))
            .Select(r => r.PrimaryAddress)
            .Take(3)
            .ToListAsync(cancellationToken);
        if (users.Count > 0)
            errors.Add(nameof(AcceptedDomain.DomainName), $"Recipients still use addresses in {domain.DomainName} ({string.Join(", ", users)}{(users.Count == 3 ? ", …" : "")}). Change or remove them first.");
        errors.ThrowIfAny();

        db.AcceptedDomains.Remove(domain);
        await writer.CommitAsync(db, actor, $"Accepted domain '{domain.DomainName}' removed", [AuditChange.Deleted(domain)], cancellationToken);
    }

    /// <summary>Field checks plus uniqueness; normalizes the domain name in place.</summary>
    private static void Validate(AcceptedDomain domain, IReadOnlyList<AcceptedDomain> others)
    {
        var errors = ValidateFields(domain);
        if (DomainNameRules.TryNormalize(domain.DomainName, out var normalized, out _))
        {
            domain.DomainName = normalized;
            if (others.Any(o => o.DomainName == normalized))
                errors.Add(nameof(AcceptedDomain.DomainName), $"{normalized} is already an accepted domain.");
        }
        errors.ThrowIfAny();
    }

    private static IEnumerable<AuditChange> ClearDefault(IEnumerable<AcceptedDomain> others)
    {
        foreach (var previous in others.Where(o => o.IsDefault))
        {
            var before = AuditJson.Serialize(previous);
            previous.IsDefault = false;
            previous.Revision++;
            yield return AuditChange.Updated(before, previous);
        }
    }
}
