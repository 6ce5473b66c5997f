using System.Globalization;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace Mailflow.Server.Transport.Authentication.Dkim;

/// <summary>
/// Verifies every DKIM-Signature of a message (RFC 6376 §6, RFC 8301, RFC 8463), topmost first.
/// We check what MimeKit's <see cref="MimeKit.Cryptography.DkimVerifier"/> leaves to the caller —
/// required tags, i= inside d=, x= expiry, the key record's k=, h=, s=, t=s flags and revocation,
/// rsa-sha1 and RSA keys under 1024 bits (never a pass) — then let MimeKit canonicalize and check
/// the body hash (with l=) and the signature (rsa-sha256 and ed25519-sha256) with the key we found.
/// </summary>
public sealed class DkimSignatureVerifier(AuthenticationDns dns, TimeProvider time)
{
    public const int MinimumRsaKeyBits = 1024;

    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var results = new List<DkimSignatureResult>();
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToArray())
            results.Add(await VerifyAsync(message, header, cancellationToken));
        return results;
    }

    private async Task<DkimSignatureResult> VerifyAsync(MimeMessage message, Header header, CancellationToken cancellationToken)
    {
        var value = Header.Unfold(header.Value ?? "");
        IReadOnlyDictionary<string, string> tags;
        try
        {
            tags = TagList.Parse(value).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        }
        catch (FormatException exception)
        {
            return new DkimSignatureResult(DkimResult.PermError, "", "", "", $"The signature cannot be parsed: {exception.Message}");
        }
        var domain = DomainName.Normalize(tags.GetValueOrDefault("d", ""));
        var selector = tags.GetValueOrDefault("s", "").Trim();
        var algorithm = tags.GetValueOrDefault("a", "").Trim().ToLowerInvariant();
        var identity = tags.TryGetValue("i", out var i) ? i.Trim() : null;
        var b = TagList.WithoutWhitespace(tags.GetValueOrDefault("b", ""));
        long? bodyLength = tags.TryGetValue("l", out var l) && long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;
        DkimSignatureResult Result(DkimResult result, string reason) =>
            new(result, domain, selector, algorithm, reason, identity, b.Length > 8 ? b[..8] : b, bodyLength);

        if (tags.GetValueOrDefault("v") != "1")
            return Result(DkimResult.PermError, "The signature's version (v=) is not 1.");
        var missing = new[] { "a", "b", "bh", "d", "h", "s" }.Where(t => string.IsNullOrWhiteSpace(tags.GetValueOrDefault(t))).ToArray();
        if (missing.Length > 0)
            return Result(DkimResult.PermError, $"The signature lacks the required tag(s) {string.Join(", ", missing.Select(t => t + "="))}.");
        if (!DomainName.IsValid(domain))
            return Result(DkimResult.PermError, $"d={domain} is not a valid domain.");
        var signedHeaders = tags["h"].Split(':').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        if (!signedHeaders.Contains("from"))
            return Result(DkimResult.PermError, "The signature does not cover the From header field (h=).");
        if (identity is not null && !DomainName.IsSameOrSubdomain(DomainName.OfAddress(identity), domain))
            return Result(DkimResult.PermError, $"i={identity} is not in the signing domain {domain}.");
        if (l is not null && bodyLength is null)
            return Result(DkimResult.PermError, $"l={l} is not a number.");
        if (tags.TryGetValue("q", out var q) && !q.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
            return Result(DkimResult.PermError, $"q={q} names no key query method we know (dns/txt).");
        var signedAt = ParseTime(tags.GetValueOrDefault("t"));
        var expires = ParseTime(tags.GetValueOrDefault("x"));
        if (tags.ContainsKey("t") && signedAt is null || tags.ContainsKey("x") && expires is null)
            return Result(DkimResult.PermError, "t= or x= is not a timestamp.");
        if (signedAt is not null && expires is not null && expires < signedAt)
            return Result(DkimResult.PermError, "The signature expires (x=) before it was made (t=).");

        string keyType, hash;
        switch (algorithm)
        {
            case "rsa-sha256":
                (keyType, hash) = ("rsa", "sha256");
                break;
            case "ed25519-sha256":
                (keyType, hash) = ("ed25519", "sha256");
                break;
            case "rsa-sha1":
                return Result(DkimResult.Policy, "rsa-sha1 signatures are not accepted (RFC 8301 §3.1).");
            default:
                return Result(DkimResult.PermError, $"The signing algorithm \"{algorithm}\" is unknown.");
        }
        if (expires is { } expiry && expiry < time.GetUtcNow())
            return Result(DkimResult.Fail, $"The signature expired at {expiry:u} (x=).");

        var keyName = $"{selector}._domainkey.{domain}";
        var lookup = await dns.TxtAsync(keyName, cancellationToken);
        if (lookup.Failed)
            return Result(DkimResult.TempError, $"The key {keyName} could not be fetched ({lookup.Error}).");
        if (lookup.Status != DnsLookupStatus.Found)
            return Result(DkimResult.PermError, $"No key is published at {keyName}.");
        DkimKeyRecord? record = null;
        string? keyProblem = null;
        foreach (var text in lookup.Records)
        {
            try
            {
                record = DkimKeyRecord.Parse(text);
                break;
            }
            catch (FormatException exception)
            {
                keyProblem ??= exception.Message;
            }
        }
        if (record is null)
            return Result(DkimResult.PermError, $"The key record at {keyName} is invalid: {keyProblem}");
        if (record.IsRevoked)
            return Result(DkimResult.PermError, $"The key at {keyName} has been revoked (empty p=).");
        if (record.KeyType != keyType)
            return Result(DkimResult.PermError, $"The key at {keyName} is of type {record.KeyType}, the signature needs {keyType}.");
        if (record.AcceptableHashes is { } hashes && !hashes.Contains(hash))
            return Result(DkimResult.PermError, $"The key at {keyName} does not allow {hash} (h={string.Join(':', hashes)}).");
        if (!record.ServiceTypes.Contains("*") && !record.ServiceTypes.Contains("email"))
            return Result(DkimResult.PermError, $"The key at {keyName} is not for email (s={string.Join(':', record.ServiceTypes)}).");
        if (record.IsStrict && identity is not null && DomainName.OfAddress(identity) != domain)
            return Result(DkimResult.PermError, $"The key at {keyName} has t=s, so i= must be in {domain} itself, not {DomainName.OfAddress(identity)}.");
        AsymmetricKeyParameter key;
        try
        {
            key = record.CreatePublicKey();
        }
        catch (FormatException exception)
        {
            return Result(DkimResult.PermError, $"The key at {keyName} is unusable: {exception.Message}");
        }
        if (key is RsaKeyParameters rsa && rsa.Modulus.BitLength < MinimumRsaKeyBits)
            return Result(DkimResult.Policy, $"The RSA key at {keyName} has {rsa.Modulus.BitLength} bits; under {MinimumRsaKeyBits} bits is not accepted (RFC 8301 §3.2).");

        var verifier = new MimeKit.Cryptography.DkimVerifier(new FixedKeyLocator(key)) { MinimumRsaKeyLength = MinimumRsaKeyBits };
        bool verified;
        try
        {
            verified = await verifier.VerifyAsync(message, header, cancellationToken);
        }
        catch (FormatException exception)
        {
            return Result(DkimResult.PermError, $"The signature is malformed: {exception.Message}");
        }
        if (!verified)
            return Result(DkimResult.Fail, "The signature does not verify: the signed header fields or the body were changed after signing, or it was made with another key.");
        var note = bodyLength is not null ? $" Only the first {bodyLength} octets of the body are signed (l=)." : "";
        var testing = record.IsTesting ? " The domain is testing DKIM (t=y)." : "";
        return Result(DkimResult.Pass, $"Signed by {domain} (selector {selector}, {algorithm}).{note}{testing}");
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        text is not null && long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, 253402300799))
            : null;

    /// <summary>Hands MimeKit the key this verifier already fetched and checked.</summary>
    private sealed class FixedKeyLocator(AsymmetricKeyParameter key) : IDkimPublicKeyLocator
    {
        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => key;

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) => Task.FromResult(key);
    }
}
