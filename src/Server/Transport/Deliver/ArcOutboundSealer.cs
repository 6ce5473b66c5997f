using System.Text;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Authentication;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// ARC sealing (RFC 8617 §5.1) of a message Mailflow changed, redirected or forwarded (the categorizer
/// stored the reason in the tag <see cref="AuthenticationTagNames.ArcSealReason"/>), immediately before
/// delivery and after DKIM signing: ARC-Authentication-Results (our receive-time verdicts, copied from
/// our Authentication-Results header), ARC-Message-Signature and ARC-Seal, signed with an enabled RSA
/// DKIM key (ARC allows rsa-sha256 only) of the From domain, else of the domain the message was
/// addressed to, else of the default accepted domain. Off in the organization settings, or no key:
/// not sealed. A chain that arrived without our verdict on it is not sealed: we cannot vouch for it.
/// </summary>
public sealed class ArcOutboundSealer(TransportConfigProvider config, DkimOutboundSigner dkim,
    IOptions<AuthenticationOptions> options, IOptions<MailflowOptions> node, ILogger<ArcOutboundSealer> logger)
{
    /// <returns>The key it sealed with ("s1._domainkey.example.com"), null when it did not seal.</returns>
    public string? Seal(QueuedMessage stored, MimeMessage message)
    {
        var snapshot = config.Current;
        if (!snapshot.Organization.ArcSealingEnabled || !MessageTags.Parse(stored.AgentTags).ContainsKey(AuthenticationTagNames.ArcSealReason))
            return null;
        var key = SealingKey(snapshot, stored, message);
        var privateKey = key is null ? null : dkim.PrivateKey(snapshot, key);
        if (key is null || privateKey is null)
            return null;
        var results = OurVerdicts(stored, message, options.Value.EffectiveAuthServId(node.Value));
        if (message.Headers.Contains(HeaderId.ArcSeal) && !results.Results.Any(r => r.Method.Equals("arc", StringComparison.OrdinalIgnoreCase)))
        {
            logger.LogInformation("Message {QueueId} carries an ARC chain that was not verified on receipt; it is not sealed", stored.QueueId);
            return null;
        }
        // Sealing fixes the encoding, as DKIM signing does.
        message.Prepare(EncodingConstraint.SevenBit);
        var sealer = new Sealer(privateKey, key.Domain, key.Selector, results)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        sealer.Sign(message, DkimOutboundSigner.HeadersToSign(message));
        return key.DnsRecordName;
    }

    /// <summary>The first enabled RSA key of the From domain, the recipients' original domains, the default domain (each or its closest parent with keys).</summary>
    private static DkimSigningKey? SealingKey(TransportConfig snapshot, QueuedMessage stored, MimeMessage message)
    {
        var domains = new List<string>();
        if (message.From.Mailboxes.FirstOrDefault()?.Address is { } from)
            domains.Add(DomainName.OfAddress(from));
        domains.AddRange(stored.Recipients.Select(r => r.OriginalRecipient is { } original ? original[(original.IndexOf(';') + 1)..] : r.Address).Select(DomainName.OfAddress));
        if (snapshot.DefaultDomain is { } defaultDomain)
            domains.Add(DomainName.Normalize(defaultDomain.DomainName));
        return domains.Where(d => d.Length > 0).Distinct()
            .Select(d => DkimOutboundSigner.KeysFor(snapshot, d).FirstOrDefault(k => k.Algorithm == DkimKeyAlgorithm.Rsa2048))
            .FirstOrDefault(k => k is not null);
    }

    /// <summary>The results of our Authentication-Results header (the topmost one with our authserv-id), or the submission's authentication.</summary>
    private static AuthenticationResults OurVerdicts(QueuedMessage stored, MimeMessage message, string authServId)
    {
        var ours = message.Headers.FirstOrDefault(h => h.Id == HeaderId.AuthenticationResults && AuthenticationResultsHeader.ClaimsToBe(h.Value, authServId));
        if (ours is not null && AuthenticationResults.TryParse(Encoding.UTF8.GetBytes(Header.Unfold(ours.Value)), out var parsed) && parsed.Results.Count > 0)
        {
            var copy = new AuthenticationResults(authServId);
            foreach (var result in parsed.Results)
                copy.Results.Add(result);
            return copy;
        }
        var results = new AuthenticationResults(authServId);
        if (stored.AuthenticatedAs is { } user)
        {
            var auth = new AuthenticationMethodResult("auth", "pass");
            auth.Properties.Add(new AuthenticationMethodProperty("smtp", "auth", user));
            results.Results.Add(auth);
        }
        return results;
    }

    /// <summary>MimeKit's ARC signer with the ARC-Authentication-Results decided beforehand.</summary>
    private sealed class Sealer(AsymmetricKeyParameter key, string domain, string selector, AuthenticationResults results)
        : ArcSigner(key, domain, selector, DkimSignatureAlgorithm.RsaSha256)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => results;

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(results);
    }
}
