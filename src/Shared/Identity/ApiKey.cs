using Mailflow.Configuration;

namespace Mailflow.Identity;

/// <summary>
/// A key for the REST API and the CLI, bound to one admin role and audited under its own name
/// (<c>apikey:&lt;name&gt;</c>). Only a SHA-256 hash of the secret is stored: the secret is 256
/// random bits, so a fast hash is enough (unlike a password, it cannot be guessed from a word list).
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>Unique, e.g. "provisioning" or "monitoring". The audit log shows changes as <c>apikey:name</c>.</summary>
    public string Name { get; set; } = "";
    /// <summary>One of <see cref="AdminRoles.All"/>.</summary>
    public string Role { get; set; } = AdminRoles.ViewOnly;
    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    [Sensitive]
    public string SecretHash { get; set; } = "";
    /// <summary>The key's first characters, shown so an admin can tell keys apart without seeing them.</summary>
    public string Prefix { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Updated at most once a minute (<see cref="ApiKeyService.LastUsedResolution"/>), so reads don't each cost a write.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }
    /// <summary>Set when revoked; a revoked key never authenticates again.</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    public bool IsRevoked => RevokedAt is not null;
}
