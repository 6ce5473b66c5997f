using Mailflow.Configuration;
using Mailflow.DomainHealth;
using Mailflow.Server.Transport.Authentication.Dkim;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// DKIM: each selector Mailflow signs with (active), will sign with (a rotation's pending key) or
/// still needs published (retiring) must be served by DNS exactly as stored — asked through the same
/// <see cref="DkimDnsChecker"/> as the DKIM keys page.
/// </summary>
public sealed class DkimHealthCheck(DomainHealthDns dns)
{
    public const string NoKeyId = "dkim";
    private const string Area = "DKIM";

    public static string Id(DkimSigningKey key) => "dkim:" + key.Selector;

    public async Task<IReadOnlyList<DomainHealthCheck>> CheckAsync(string domain, IReadOnlyList<DkimSigningKey> allKeys, CancellationToken cancellationToken)
    {
        var keys = allKeys
            .Where(k => string.Equals(k.Domain, domain, StringComparison.OrdinalIgnoreCase)
                        && k.Lifecycle is DkimKeyLifecycle.Active or DkimKeyLifecycle.Pending or DkimKeyLifecycle.Retiring)
            .OrderBy(k => k.Lifecycle).ThenBy(k => k.Selector, StringComparer.Ordinal)
            .ToList();
        var checks = new List<DomainHealthCheck>();
        if (keys.All(k => k.Lifecycle != DkimKeyLifecycle.Active))
            checks.Add(new(NoKeyId, Area, "No DKIM signing key", DomainHealthStatus.Warn,
                $"Mailflow does not sign mail from {domain}: DMARC then rests on SPF alone, which forwarding breaks, and large receivers expect DKIM. "
                + "Generate a key on the DKIM signing page, publish its record, and enable it."));
        var checker = new DkimDnsChecker(dns.Dns);
        foreach (var key in keys)
            checks.Add(Verdict(key, await checker.CheckAsync(key, cancellationToken)));
        return checks;
    }

    private static DomainHealthCheck Verdict(DkimSigningKey key, DkimDnsCheckResult check)
    {
        var role = key.Lifecycle switch
        {
            DkimKeyLifecycle.Active => "signing key",
            DkimKeyLifecycle.Pending => "next key (rotation)",
            _ => "retiring key",
        };
        var title = $"DKIM {role} {key.Selector} ({(key.Algorithm == DkimKeyAlgorithm.Ed25519 ? "Ed25519" : "RSA")})";
        if (check.Status == DkimDnsStatus.Published)
            return new(Id(key), Area, title, DomainHealthStatus.Ok, check.Explanation, check.Found);
        if (check.Status == DkimDnsStatus.DnsError)
            return new(Id(key), Area, title, DomainHealthStatus.Warn, check.Explanation, check.Found);
        // An active key DNS does not serve fails every signature; a pending key only waits; a retiring key fails mail signed before the rotation.
        var status = key.Lifecycle == DkimKeyLifecycle.Active ? DomainHealthStatus.Fail : DomainHealthStatus.Warn;
        var why = key.Lifecycle switch
        {
            DkimKeyLifecycle.Active => "Receivers fail every signature Mailflow makes with it.",
            DkimKeyLifecycle.Pending => "The rotation waits: this key starts signing once DNS serves it.",
            _ => "Mail signed with it before the rotation fails DKIM at receivers that check it late.",
        };
        // The checker's explanation ends with the record to publish; the page shows that record apart, ready to copy.
        var explanation = check.Explanation.Replace($" Publish {check.RecordName} TXT \"{check.ExpectedValue}\".", "", StringComparison.Ordinal);
        return new(Id(key), Area, title, status, $"{explanation} {why}", check.Found, check.RecordName, "TXT", check.ExpectedValue);
    }
}
