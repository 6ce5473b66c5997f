using System.Globalization;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Key rotation with overlap, so that no message leaves unsigned and none is signed with a key DNS
/// does not serve: (1) <see cref="StartAsync"/> adds a pending key under a new selector for each
/// signing key of the domain; (2) once DNS serves the new record, <see cref="PromoteAsync"/> makes it
/// sign and the old key stop, in one configuration generation (a message is signed by one or the
/// other, never by neither); (3) the old key is kept — its record must stay published — until the
/// overlap has passed, then <see cref="RetireAsync"/> erases its private key. The node's rotation
/// worker drives steps 2 and 3 and starts scheduled rotations.
/// </summary>
public sealed class DkimKeyRotation(DkimKeyService keys, IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer, TimeProvider time)
{
    /// <summary>Starts a rotation of every signing key of <paramref name="domain"/> that has no pending successor yet.</summary>
    /// <returns>The new pending keys: publish their TXT records.</returns>
    /// <exception cref="ConfigurationValidationException">The domain has no signing key to rotate.</exception>
    public async Task<IReadOnlyList<DkimSigningKey>> StartAsync(AdminActor actor, string domain, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        domain = (domain ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        var all = await keys.ListAsync(cancellationToken);
        var active = all.Where(k => k.Domain == domain && k.Lifecycle == DkimKeyLifecycle.Active).ToList();
        if (active.Count == 0)
            throw DkimKeyService.Invalid(DkimKeyService.Fields.Domain, $"{domain} has no signing key to rotate: generate or import one and enable it.");
        var created = new List<DkimSigningKey>();
        foreach (var old in active.Where(k => !all.Any(p => p.ReplacesKeyId == k.Id && p.Lifecycle == DkimKeyLifecycle.Pending)))
        {
            var selector = NextSelector(old, [.. all.Select(k => k.DnsRecordName), .. created.Select(k => k.DnsRecordName)]);
            created.Add(await keys.StoreAsync(actor, domain, selector, () => DkimKeyMaterial.Generate(old.Algorithm), enabled: false, cancellationToken, k =>
            {
                k.ActivateWhenPublished = true;
                k.ReplacesKeyId = old.Id;
                k.RotateEveryDays = old.RotateEveryDays;
            }));
        }
        return created;
    }

    /// <summary>
    /// The pending key starts signing and the key it replaces stops (it keeps its record for the
    /// overlap), in one change. Called when DNS was seen serving the new record.
    /// </summary>
    /// <exception cref="ConfigurationConflictException">Another node promoted it first.</exception>
    public async Task PromoteAsync(AdminActor actor, Guid pendingId, int revisionRead, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var pending = await db.DkimSigningKeys.FirstOrDefaultAsync(k => k.Id == pendingId, cancellationToken);
        if (pending is null || pending.Lifecycle != DkimKeyLifecycle.Pending)
            return;
        var now = time.GetUtcNow();
        var changes = new List<AuditChange>();
        var before = AuditJson.Serialize(pending);
        pending.Enabled = true;
        pending.ActivateWhenPublished = false;
        pending.ActivatedAt = now;
        pending.DnsVerifiedAt = now;
        ConfigurationChangeWriter.ExpectRevision(db, pending, revisionRead);
        changes.Add(AuditChange.Updated(before, pending));
        var replaced = pending.ReplacesKeyId is { } oldId ? await db.DkimSigningKeys.FirstOrDefaultAsync(k => k.Id == oldId, cancellationToken) : null;
        if (replaced is { Lifecycle: DkimKeyLifecycle.Active })
        {
            var oldBefore = AuditJson.Serialize(replaced);
            var oldRevision = replaced.Revision;
            replaced.Enabled = false;
            replaced.RetiringSince = now;
            ConfigurationChangeWriter.ExpectRevision(db, replaced, oldRevision);
            changes.Add(AuditChange.Updated(oldBefore, replaced));
        }
        await writer.CommitAsync(db, actor, $"{DkimKeyService.Noun} '{pending.DisplayName}' is published and signs now"
            + (replaced is null ? "" : $"; '{replaced.DisplayName}' retiring"), changes, cancellationToken);
    }

    /// <summary>The overlap has passed: the key is retired and its private key erased (its record may be removed from DNS).</summary>
    public async Task RetireAsync(AdminActor actor, Guid id, int revisionRead, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var key = await db.DkimSigningKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new ConfigurationNotFoundException("That DKIM key no longer exists.");
        if (key.Lifecycle == DkimKeyLifecycle.Retired)
            return;
        if (key.Lifecycle == DkimKeyLifecycle.Active)
            throw DkimKeyService.Invalid(nameof(DkimSigningKey.Enabled), $"{key.DnsRecordName} still signs: rotate it (or disable it) first.");
        var before = AuditJson.Serialize(key);
        key.Enabled = false;
        key.ActivateWhenPublished = false;
        key.RetiredAt = time.GetUtcNow();
        key.ProtectedPrivateKey = [];
        ConfigurationChangeWriter.ExpectRevision(db, key, revisionRead);
        await writer.CommitAsync(db, actor, $"{DkimKeyService.Noun} '{key.DisplayName}' retired", [AuditChange.Updated(before, key)], cancellationToken);
    }

    /// <summary>Whether a signing key's schedule says it is time to rotate (and no rotation is under way).</summary>
    public static bool IsDueForRotation(DkimSigningKey key, IReadOnlyList<DkimSigningKey> all, DateTimeOffset now) =>
        key.Lifecycle == DkimKeyLifecycle.Active && key.RotateEveryDays is { } days
        && (key.ActivatedAt ?? key.CreatedAt).AddDays(days) <= now
        && !all.Any(k => k.ReplacesKeyId == key.Id && k.Lifecycle == DkimKeyLifecycle.Pending);

    /// <summary>Whether a retiring key has outlived the overlap its record must stay published for.</summary>
    public static bool IsDueForRetirement(DkimSigningKey key, TimeSpan overlap, DateTimeOffset now) =>
        key.Lifecycle == DkimKeyLifecycle.Retiring && key.RetiringSince!.Value + overlap <= now;

    /// <summary>"mf" + the date + r (RSA) or e (Ed25519), with a counter when that is taken: mf20261207r, mf20261207r2…</summary>
    private string NextSelector(DkimSigningKey old, IReadOnlyCollection<string> taken)
    {
        var stem = "mf" + time.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture) + (old.Algorithm == DkimKeyAlgorithm.Ed25519 ? "e" : "r");
        for (var n = 1; ; n++)
        {
            var selector = n == 1 ? stem : stem + n.ToString(CultureInfo.InvariantCulture);
            if (!taken.Contains($"{selector}._domainkey.{old.Domain}", StringComparer.OrdinalIgnoreCase))
                return selector;
        }
    }
}
