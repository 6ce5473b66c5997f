using System.Text.RegularExpressions;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Identity;

/// <summary>A new key and its secret: the only time the secret exists outside the caller's hands.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>
/// API keys: created (the secret is returned once), listed, revoked, and checked on every API
/// request. Only Organization Management may manage keys. Key changes are audited like
/// configuration changes, but they are not transport configuration: they produce no configuration
/// generation (their audit entries carry generation 0), so the engine does not reload for them.
/// </summary>
public sealed partial class ApiKeyService(IDbContextFactory<MailflowDbContext> dbFactory, TimeProvider time)
{
    public const string ObjectType = nameof(ApiKey);
    public const int MaximumNameLength = 64;
    /// <summary>A key given in configuration must be at least this long (a generated key has 46 characters).</summary>
    public const int MinimumConfiguredKeyLength = 32;
    /// <summary>How stale <see cref="ApiKey.LastUsedAt"/> may be: a busy script would otherwise write on every request.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>The name a key's changes are audited under.</summary>
    public static string ActorName(ApiKey key) => ActorName(key.Name);

    public static string ActorName(string keyName) => "apikey:" + keyName;

    public async Task<IReadOnlyList<ApiKey>> ListAsync(AdminActor actor, CancellationToken cancellationToken = default)
    {
        DemandKeyManagement(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().ToListAsync(cancellationToken);
        return [.. keys.OrderBy(k => k.IsRevoked).ThenBy(k => k.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public static ValidationErrors ValidateFields(string name, string role)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(name))
            errors.Add(nameof(ApiKey.Name), "Give the key a name, for example provisioning or monitoring.");
        else if (name.Length > MaximumNameLength || !NamePattern().IsMatch(name))
            errors.Add(nameof(ApiKey.Name), $"Use at most {MaximumNameLength} letters, digits, dots, hyphens and underscores (the audit log shows apikey:{name}).");
        if (!AdminRoles.All.Contains(role))
            errors.Add(nameof(ApiKey.Role), $"Choose one of the roles: {string.Join(", ", AdminRoles.All)}.");
        return errors;
    }

    /// <returns>The key and its secret. The secret is not stored and cannot be shown again.</returns>
    public async Task<CreatedApiKey> CreateAsync(AdminActor actor, string name, string role, CancellationToken cancellationToken = default)
    {
        DemandKeyManagement(actor);
        var secret = ApiKeySecret.Generate();
        var key = await AddAsync(actor, name.Trim(), role, secret, cancellationToken);
        return new CreatedApiKey(key, secret);
    }

    public async Task<ApiKey> RevokeAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        DemandKeyManagement(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new ConfigurationNotFoundException("That API key does not exist.");
        if (key.IsRevoked)
            return key;
        var before = AuditJson.Serialize(key);
        key.RevokedAt = time.GetUtcNow();
        db.AuditEntries.Add(Audit(actor, AuditAction.Update, key, before));
        await db.SaveChangesAsync(cancellationToken);
        return key;
    }

    /// <summary>The active key with this secret, or null. Records the use (at most once per <see cref="LastUsedResolution"/>).</summary>
    public async Task<ApiKey?> AuthenticateAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(secret))
            return null;
        var hash = ApiKeySecret.Hash(secret);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.SecretHash == hash, cancellationToken);
        if (key is null || key.IsRevoked)
            return null;
        var now = time.GetUtcNow();
        if (key.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            key.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }
        return key;
    }

    /// <summary>
    /// Start-up provisioning (<c>Mailflow:Admin:InitialApiKey</c>): makes sure an Organization
    /// Management key with exactly this secret exists. A key an admin revoked stays revoked — a
    /// leaked key must not come back because the configuration still names it.
    /// </summary>
    /// <returns>The key, or null when it was revoked.</returns>
    public async Task<ApiKey?> EnsureConfiguredKeyAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (secret.Length < MinimumConfiguredKeyLength || secret.Any(char.IsWhiteSpace))
            throw new InvalidOperationException($"Mailflow:Admin:InitialApiKey must be at least {MinimumConfiguredKeyLength} characters without spaces; generate one with: openssl rand -base64 32");
        var hash = ApiKeySecret.Hash(secret);
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var existing = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.SecretHash == hash, cancellationToken);
            if (existing is not null)
                return existing.IsRevoked ? null : existing;
        }
        try
        {
            return await AddAsync(AdminActor.System, "initial", AdminRoles.OrganizationManagement, secret, cancellationToken, uniqueName: true);
        }
        catch (DbUpdateException)
        {
            // Two nodes started with the same key at once: the other one stored it.
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            return await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.SecretHash == hash && k.RevokedAt == null, cancellationToken)
                ?? throw new InvalidOperationException("Could not store Mailflow:Admin:InitialApiKey.");
        }
    }

    private async Task<ApiKey> AddAsync(AdminActor actor, string name, string role, string secret, CancellationToken cancellationToken, bool uniqueName = false)
    {
        ValidateFields(name, role).ThrowIfAny();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var activeNames = (await db.ApiKeys.AsNoTracking().Where(k => k.RevokedAt == null).Select(k => k.Name).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (uniqueName)
        {
            var candidate = name;
            for (var n = 2; activeNames.Contains(candidate); n++)
                candidate = $"{name}-{n}";
            name = candidate;
        }
        else if (activeNames.Contains(name))
        {
            var errors = new ValidationErrors();
            errors.Add(nameof(ApiKey.Name), $"There is already an API key named '{name}'. Revoke it first or choose another name.");
            errors.ThrowIfAny();
        }
        var key = new ApiKey
        {
            Name = name,
            Role = role,
            SecretHash = ApiKeySecret.Hash(secret),
            Prefix = ApiKeySecret.PrefixOf(secret),
            CreatedBy = actor.Name,
            CreatedAt = time.GetUtcNow(),
        };
        db.ApiKeys.Add(key);
        db.AuditEntries.Add(Audit(actor, AuditAction.Create, key, before: null));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return key;
    }

    private AuditEntry Audit(AdminActor actor, AuditAction action, ApiKey key, string? before) => new()
    {
        At = time.GetUtcNow(),
        Actor = actor.Name,
        Action = action,
        ObjectType = ObjectType,
        ObjectId = key.Id.ToString(),
        ObjectName = key.Name,
        Before = before,
        After = AuditJson.Serialize(key),
        // Not a configuration change: no generation.
        Generation = 0,
    };

    private static void DemandKeyManagement(AdminActor actor)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not manage API keys (needs the {AdminRoles.OrganizationManagement} role).");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
