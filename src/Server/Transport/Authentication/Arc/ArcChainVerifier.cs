using MimeKit;
using MimeKit.Cryptography;
using Mailflow.Server.Transport.Authentication.Dkim;
using Org.BouncyCastle.Crypto;

namespace Mailflow.Server.Transport.Authentication.Arc;

/// <summary>
/// Validates the ARC chain of a message (RFC 8617 §5.2) with MimeKit's <see cref="ArcVerifier"/>:
/// every ARC-Seal and the newest ARC-Message-Signature, keys fetched through the node's DNS client
/// (<see cref="AuthenticationDns"/>, the same key records DKIM uses). RSA keys under 1024 bits are
/// refused as for DKIM. A key that cannot be fetched makes the chain fail (ARC has no temperror),
/// with the reason saying so.
/// </summary>
public sealed class ArcChainVerifier(AuthenticationDns dns)
{
    public async Task<ArcOutcome> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var seals = message.Headers.Where(h => h.Id == HeaderId.ArcSeal).ToArray();
        if (seals.Length == 0 && !message.Headers.Contains(HeaderId.ArcMessageSignature) && !message.Headers.Contains(HeaderId.ArcAuthenticationResults))
            return ArcOutcome.NoChain;
        var sealTags = seals.Select(Tags).ToArray();
        var instance = sealTags.Select(t => int.TryParse(t.GetValueOrDefault("i"), out var i) ? i : 0).DefaultIfEmpty(0).Max();
        var domains = sealTags.OrderBy(t => int.TryParse(t.GetValueOrDefault("i"), out var i) ? i : 0)
            .Select(t => DomainName.Normalize(t.GetValueOrDefault("d", ""))).Where(d => d.Length > 0).ToArray();

        var locator = new KeyLocator(dns);
        var verifier = new ArcVerifier(locator) { MinimumRsaKeyLength = DkimSignatureVerifier.MinimumRsaKeyBits };
        ArcValidationResult validation;
        try
        {
            validation = await verifier.VerifyAsync(message, cancellationToken);
        }
        catch (FormatException exception)
        {
            return new ArcOutcome(ArcResult.Fail, instance, domains, $"The ARC set is malformed: {exception.Message}");
        }
        if (validation.Chain == ArcSignatureValidationResult.Pass)
            return new ArcOutcome(ArcResult.Pass, instance, domains, $"The ARC chain of {instance} set(s) verifies (sealed by {string.Join(", ", domains)}).");
        if (validation.Chain == ArcSignatureValidationResult.None)
            return new ArcOutcome(ArcResult.None, instance, domains, "The message carries no ARC set.");
        var reason = locator.Problem is { } problem
            ? $"The ARC chain does not verify: {problem}"
            : validation.ChainErrors.HasFlag(ArcValidationErrors.MessageSignatureValidationFailed)
                ? "The newest ARC-Message-Signature does not verify: the message was changed after it was sealed."
                : validation.ChainErrors.HasFlag(ArcValidationErrors.SealValidationFailed)
                    ? "An ARC-Seal does not verify."
                    : $"The ARC chain is broken ({validation.ChainErrors}).";
        return new ArcOutcome(ArcResult.Fail, instance, domains, reason);
    }

    private static Dictionary<string, string> Tags(Header header)
    {
        try
        {
            return TagList.Parse(Header.Unfold(header.Value ?? "")).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>Finds ARC keys in DNS (selector._domainkey.domain) and remembers the first problem for the reason.</summary>
    private sealed class KeyLocator(AuthenticationDns dns) : IDkimPublicKeyLocator
    {
        public string? Problem { get; private set; }

        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

        public async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            var name = $"{selector}._domainkey.{domain}";
            var lookup = await dns.TxtAsync(name, cancellationToken);
            if (lookup.Failed)
                throw Fail($"the key {name} could not be fetched ({lookup.Error}).");
            if (lookup.Status != DnsLookupStatus.Found)
                throw Fail($"no key is published at {name}.");
            foreach (var text in lookup.Records)
            {
                try
                {
                    var record = DkimKeyRecord.Parse(text);
                    if (record.IsRevoked)
                        throw Fail($"the key at {name} has been revoked.");
                    return record.CreatePublicKey();
                }
                catch (FormatException)
                {
                    // Try the next string; report below if none is a key.
                }
            }
            throw Fail($"the key record at {name} is invalid.");
        }

        private FormatException Fail(string problem)
        {
            Problem ??= problem;
            return new FormatException(problem);
        }
    }
}
