using System.Text.RegularExpressions;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Mailflow.Configuration;

/// <summary>
/// DKIM signing keys: generate (RSA-2048 or Ed25519) for an accepted domain under a selector,
/// enable or disable signing, delete. Every change goes through <see cref="ConfigurationEditor"/>
/// (validation, audit without key material, a new generation the delivery engine signs with).
/// </summary>
public sealed partial class DkimKeyService(ConfigurationEditor editor, DkimKeyProtector protector, TimeProvider time)
{
    private const string Noun = "DKIM key";

    public static class Fields
    {
        public const string Domain = nameof(DkimSigningKey.Domain);
        public const string Selector = nameof(DkimSigningKey.Selector);
    }

    public async Task<IReadOnlyList<DkimSigningKey>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<DkimSigningKey>(cancellationToken)).OrderBy(k => k.Domain, StringComparer.Ordinal).ThenBy(k => k.Selector, StringComparer.Ordinal)];

    public Task<DkimSigningKey?> GetAsync(Guid id, CancellationToken cancellationToken = default) => editor.GetAsync<DkimSigningKey>(id, cancellationToken);

    /// <summary>A new key pair, stored disabled unless <paramref name="enabled"/>: publish its TXT record, then enable it.</summary>
    /// <exception cref="ConfigurationValidationException">Not an accepted domain, a bad or taken selector.</exception>
    public Task<DkimSigningKey> GenerateAsync(AdminActor actor, string domain, string selector, DkimKeyAlgorithm algorithm, bool enabled = false, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var errors = new ValidationErrors();
        if (!DomainNameRules.TryNormalize(domain, out var normalized, out var domainError))
            errors.Add(Fields.Domain, domainError!);
        selector = (selector ?? "").Trim().ToLowerInvariant();
        if (!SelectorPattern().IsMatch(selector))
            errors.Add(Fields.Selector, "A selector is one or more DNS labels of letters, digits and hyphens (e.g. mf2026a).");
        if (!Enum.IsDefined(algorithm))
            errors.Add(nameof(DkimSigningKey.Algorithm), "Choose Rsa2048 or Ed25519.");
        errors.ThrowIfAny();
        var (publicKey, pkcs8) = Generate(algorithm);
        try
        {
            var key = new DkimSigningKey
            {
                Domain = normalized,
                Selector = selector,
                Algorithm = algorithm,
                PublicKey = publicKey,
                ProtectedPrivateKey = protector.Protect(pkcs8),
                Enabled = enabled,
                CreatedAt = time.GetUtcNow(),
            };
            return editor.CreateAsync(actor, Noun, key, ValidateAsync, cancellationToken);
        }
        finally
        {
            Array.Clear(pkcs8);
        }
    }

    public Task<DkimSigningKey> SetEnabledAsync(AdminActor actor, Guid id, int revisionRead, bool enabled, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<DkimSigningKey>(actor, Noun, id, revisionRead, k => k.Enabled = enabled, ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<DkimSigningKey>(actor, Noun, id, null, cascade: null, cancellationToken);
    }

    private static async Task ValidateAsync(MailflowDbContext db, DkimSigningKey key, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var domains = await db.AcceptedDomains.AsNoTracking().Select(d => d.DomainName).ToListAsync(cancellationToken);
        if (!domains.Any(d => string.Equals(d, key.Domain, StringComparison.OrdinalIgnoreCase)))
            errors.Add(Fields.Domain, $"{key.Domain} is not an accepted domain: Mailflow signs only for its own domains.");
        var taken = await db.DkimSigningKeys.AsNoTracking().AnyAsync(k => k.Id != key.Id && k.Domain == key.Domain && k.Selector == key.Selector, cancellationToken);
        if (taken)
            errors.Add(Fields.Selector, $"{key.DnsRecordName} already has a key: choose another selector.");
    }

    /// <summary>The p= value and the PKCS#8 private key of a fresh pair.</summary>
    public static (string PublicKey, byte[] Pkcs8) Generate(DkimKeyAlgorithm algorithm)
    {
        AsymmetricCipherKeyPair pair;
        if (algorithm == DkimKeyAlgorithm.Ed25519)
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            pair = generator.GenerateKeyPair();
        }
        else
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
            pair = generator.GenerateKeyPair();
        }
        var publicKey = pair.Public is Ed25519PublicKeyParameters ed
            ? Convert.ToBase64String(ed.GetEncoded())
            : Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded());
        return (publicKey, PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded());
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")]
    private static partial Regex SelectorPattern();
}
