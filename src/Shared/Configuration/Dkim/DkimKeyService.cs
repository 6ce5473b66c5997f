using System.Text.RegularExpressions;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// DKIM signing keys: generate (RSA-2048 or Ed25519) for an accepted domain under a selector,
/// enable or disable signing, delete. Every change goes through <see cref="ConfigurationEditor"/>
/// (validation, audit without key material, a new generation the delivery engine signs with).
/// </summary>
public sealed partial class DkimKeyService(ConfigurationEditor editor, DkimKeyProtector protector, TimeProvider time)
{
    internal const string Noun = "DKIM key";

    public static class Fields
    {
        public const string Domain = nameof(DkimSigningKey.Domain);
        public const string Selector = nameof(DkimSigningKey.Selector);
        public const string PrivateKey = "PrivateKeyPem";
        public const string RotateEveryDays = nameof(DkimSigningKey.RotateEveryDays);
    }

    /// <summary>A rotation needs time for the new record to be published and the old one to outlive its overlap.</summary>
    public const int MinimumRotationDays = 7;

    public async Task<IReadOnlyList<DkimSigningKey>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<DkimSigningKey>(cancellationToken)).OrderBy(k => k.Domain, StringComparer.Ordinal).ThenBy(k => k.Selector, StringComparer.Ordinal)];

    public Task<DkimSigningKey?> GetAsync(Guid id, CancellationToken cancellationToken = default) => editor.GetAsync<DkimSigningKey>(id, cancellationToken);

    /// <summary>A new key pair, stored disabled unless <paramref name="enabled"/>: publish its TXT record, then enable it.</summary>
    /// <exception cref="ConfigurationValidationException">Not an accepted domain, a bad or taken selector.</exception>
    public Task<DkimSigningKey> GenerateAsync(AdminActor actor, string domain, string selector, DkimKeyAlgorithm algorithm, bool enabled = false, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        if (!Enum.IsDefined(algorithm))
            throw Invalid(nameof(DkimSigningKey.Algorithm), "Choose Rsa2048 or Ed25519.");
        return StoreAsync(actor, domain, selector, () => DkimKeyMaterial.Generate(algorithm), enabled, cancellationToken);
    }

    /// <summary>An existing private key (PEM) under a selector, e.g. the one another server signed with; the algorithm is the key's.</summary>
    /// <exception cref="ConfigurationValidationException">Not a usable PEM private key, not an accepted domain, a bad or taken selector.</exception>
    public Task<DkimSigningKey> ImportAsync(AdminActor actor, string domain, string selector, string privateKeyPem, bool enabled = false, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return StoreAsync(actor, domain, selector, () =>
        {
            try
            {
                return DkimKeyMaterial.ImportPem(privateKeyPem);
            }
            catch (FormatException exception)
            {
                throw Invalid(Fields.PrivateKey, exception.Message);
            }
        }, enabled, cancellationToken);
    }

    /// <summary>Validates the names, then makes the key pair (an RSA key takes a moment: not for a bad name), protects the private key and stores the key; the PKCS#8 bytes are cleared either way.</summary>
    internal async Task<DkimSigningKey> StoreAsync(AdminActor actor, string domain, string selector, Func<DkimKeyPair> makePair, bool enabled, CancellationToken cancellationToken, Action<DkimSigningKey>? configure = null)
    {
        var errors = new ValidationErrors();
        if (!DomainNameRules.TryNormalize(domain, out var normalized, out var domainError))
            errors.Add(Fields.Domain, domainError!);
        selector = (selector ?? "").Trim().ToLowerInvariant();
        if (!IsSelector(selector))
            errors.Add(Fields.Selector, "A selector is one or more DNS labels of letters, digits and hyphens (e.g. mf2026a).");
        errors.ThrowIfAny();
        var pair = makePair();
        try
        {
            var now = time.GetUtcNow();
            var key = new DkimSigningKey
            {
                Domain = normalized,
                Selector = selector,
                Algorithm = pair.Algorithm,
                PublicKey = pair.PublicKey,
                ProtectedPrivateKey = protector.Protect(pair.Pkcs8),
                Enabled = enabled,
                ActivatedAt = enabled ? now : null,
                CreatedAt = now,
            };
            configure?.Invoke(key);
            return await editor.CreateAsync(actor, Noun, key, ValidateAsync, cancellationToken);
        }
        finally
        {
            Array.Clear(pair.Pkcs8);
        }
    }

    internal static ConfigurationValidationException Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return new ConfigurationValidationException(errors.ToDictionary());
    }

    public static bool IsSelector(string selector) => SelectorPattern().IsMatch(selector);

    public Task<DkimSigningKey> SetEnabledAsync(AdminActor actor, Guid id, int revisionRead, bool enabled, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<DkimSigningKey>(actor, Noun, id, revisionRead, k =>
        {
            if (k.Lifecycle == DkimKeyLifecycle.Retired)
                throw Invalid(nameof(DkimSigningKey.Enabled), $"{k.DnsRecordName} is retired: its private key is erased. Generate or import a key instead.");
            k.Enabled = enabled;
            k.ActivatedAt = enabled ? k.ActivatedAt ?? time.GetUtcNow() : k.ActivatedAt;
            k.ActivateWhenPublished = false;
            // Turning a retiring key back on takes it out of retirement (it signs again).
            k.RetiringSince = enabled ? null : k.RetiringSince;
        }, ValidateAsync, cancellationToken);
    }

    /// <summary>Rotate automatically every <paramref name="days"/> days after the key began to sign (null: only by hand).</summary>
    public Task<DkimSigningKey> SetRotationScheduleAsync(AdminActor actor, Guid id, int revisionRead, int? days, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        if (days is < MinimumRotationDays or > 3650)
            throw Invalid(Fields.RotateEveryDays, $"Rotate every {MinimumRotationDays} to 3650 days, or leave it empty to rotate only by hand.");
        return editor.UpdateAsync<DkimSigningKey>(actor, Noun, id, revisionRead, k => k.RotateEveryDays = days, ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<DkimSigningKey>(actor, Noun, id, null, cascade: null, cancellationToken);
    }

    internal static async Task ValidateAsync(MailflowDbContext db, DkimSigningKey key, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var domains = await db.AcceptedDomains.AsNoTracking().Select(d => d.DomainName).ToListAsync(cancellationToken);
        if (!domains.Any(d => string.Equals(d, key.Domain, StringComparison.OrdinalIgnoreCase)))
            errors.Add(Fields.Domain, $"{key.Domain} is not an accepted domain: Mailflow signs only for its own domains.");
        var taken = await db.DkimSigningKeys.AsNoTracking().AnyAsync(k => k.Id != key.Id && k.Domain == key.Domain && k.Selector == key.Selector, cancellationToken);
        if (taken)
            errors.Add(Fields.Selector, $"{key.DnsRecordName} already has a key: choose another selector.");
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")]
    private static partial Regex SelectorPattern();
}
