using Mailflow.DomainHealth;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// MTA-STS (RFC 8461: the <c>_mta-sts</c> TXT record and the HTTPS policy, whose mx patterns must
/// cover the domain's MX hosts) and SMTP TLS reporting (RFC 8460: the <c>_smtp._tls</c> TXT record).
/// Both are optional, so their absence is a warning, never a failure.
/// </summary>
public sealed class TransportSecurityHealthCheck(DomainHealthDns dns, MtaStsPolicyFetcher fetcher, TimeProvider time)
{
    public const string MtaStsId = "mta-sts";
    public const string TlsRptId = "tls-rpt";

    public async Task<DomainHealthCheck> CheckMtaStsAsync(string domain, CancellationToken cancellationToken)
    {
        const string area = "MTA-STS";
        var name = MtaStsRecord.NameFor(domain);
        var txt = await dns.Dns.TxtAsync(name, cancellationToken);
        if (txt.Failed)
            return new(MtaStsId, area, "MTA-STS record could not be read", DomainHealthStatus.Warn, $"DNS did not answer for {name} ({txt.Error}).");
        var records = MtaStsRecord.Candidates(txt.Records);
        var id = $"{time.GetUtcNow():yyyyMMdd}01";
        if (records.Length == 0)
            return new(MtaStsId, area, "No MTA-STS", DomainHealthStatus.Warn,
                $"{domain} does not publish MTA-STS, so senders deliver to it over TLS only if nobody strips STARTTLS on the way. "
                + $"Serve a policy at {MtaStsPolicyFetcher.PolicyUrl(domain)} (\"version: STSv1\", \"mode: testing\", one \"mx:\" line per MX host, \"max_age: 604800\"), then publish this record.",
                null, name, "TXT", $"v=STSv1; id={id}");
        if (records.Length > 1)
            return new(MtaStsId, area, "Several MTA-STS records", DomainHealthStatus.Fail,
                $"{name} publishes {records.Length} STSv1 records; senders ignore MTA-STS then (RFC 8461 §3.1). Keep one.", string.Join("\n", records), name, "TXT", records[0]);
        if (MtaStsRecord.TryParse(records[0]) is null)
            return new(MtaStsId, area, "Invalid MTA-STS record", DomainHealthStatus.Fail,
                $"The record at {name} has no valid id= (1 to 32 letters and digits, changed with every policy change).", records[0], name, "TXT", $"v=STSv1; id={id}");

        var (text, error) = await fetcher.FetchAsync(domain, cancellationToken);
        if (text is null)
            return new(MtaStsId, area, "MTA-STS policy cannot be fetched", DomainHealthStatus.Fail,
                $"{domain} announces MTA-STS but its policy cannot be fetched: {error} Senders that knew the policy keep using it until it expires; new senders ignore it.",
                records[0]);
        MtaStsPolicy policy;
        try
        {
            policy = MtaStsPolicy.Parse(text);
        }
        catch (FormatException exception)
        {
            return new(MtaStsId, area, "Invalid MTA-STS policy", DomainHealthStatus.Fail,
                $"The policy at {MtaStsPolicyFetcher.PolicyUrl(domain)} is not valid: {exception.Message}", records[0] + "\n" + text.Trim());
        }
        var found = records[0] + "\n" + text.Trim();
        var mx = await dns.Dns.MxAsync(domain, cancellationToken);
        var uncovered = mx.Records.Where(h => h.Length > 0 && !policy.Matches(h)).ToList();
        if (uncovered.Count > 0 && policy.Mode != MtaStsMode.None)
            return new(MtaStsId, area, "MTA-STS policy does not cover every MX host", policy.Mode == MtaStsMode.Enforce ? DomainHealthStatus.Fail : DomainHealthStatus.Warn,
                $"The policy names {string.Join(", ", policy.MxPatterns)}, but {string.Join(", ", uncovered)} {(uncovered.Count == 1 ? "is an MX host" : "are MX hosts")} too: "
                + (policy.Mode == MtaStsMode.Enforce ? "senders that enforce the policy refuse to deliver there." : "in enforce mode senders would refuse to deliver there.")
                + " Add an \"mx:\" line for each and change the id= of the record.", found);
        return policy.Mode switch
        {
            MtaStsMode.Enforce => new(MtaStsId, area, "MTA-STS enforced", DomainHealthStatus.Ok, $"Senders that support MTA-STS deliver to {domain} only over verified TLS.", found),
            MtaStsMode.Testing => new(MtaStsId, area, "MTA-STS in testing mode", DomainHealthStatus.Warn,
                $"The policy of {domain} is in testing mode: failures are reported (TLS-RPT) but mail is still delivered without verified TLS. Switch to \"mode: enforce\" when the reports are clean.", found),
            _ => new(MtaStsId, area, "MTA-STS turned off (mode none)", DomainHealthStatus.Warn, $"The policy of {domain} says \"mode: none\": senders do not require TLS.", found),
        };
    }

    public async Task<DomainHealthCheck> CheckTlsRptAsync(string domain, CancellationToken cancellationToken)
    {
        const string area = "TLS-RPT";
        var name = "_smtp._tls." + domain;
        var suggested = $"v=TLSRPTv1; rua=mailto:tls-reports@{domain}";
        var txt = await dns.Dns.TxtAsync(name, cancellationToken);
        if (txt.Failed)
            return new(TlsRptId, area, "TLS-RPT record could not be read", DomainHealthStatus.Warn, $"DNS did not answer for {name} ({txt.Error}).");
        var records = txt.Records.Where(r => r.StartsWith("v=TLSRPTv1", StringComparison.Ordinal)).ToArray();
        if (records.Length == 0)
            return new(TlsRptId, area, "No TLS reporting", DomainHealthStatus.Warn,
                $"{domain} asks for no SMTP TLS reports (RFC 8460), so you do not learn when senders fail to reach it over TLS.", null, name, "TXT", suggested);
        if (records.Length > 1)
            return new(TlsRptId, area, "Several TLS-RPT records", DomainHealthStatus.Fail,
                $"{name} publishes {records.Length} TLSRPTv1 records; senders send no reports then (RFC 8460 §3). Keep one.", string.Join("\n", records), name, "TXT", records[0]);
        var rua = TryParseTags(records[0])?.FirstOrDefault(t => t.Key == "rua").Value;
        if (string.IsNullOrWhiteSpace(rua) || !rua.Split(',').All(u => u.Trim().StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) || u.Trim().StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
            return new(TlsRptId, area, "Invalid TLS-RPT record", DomainHealthStatus.Fail,
                $"The record at {name} needs rua= with mailto: or https: addresses.", records[0], name, "TXT", suggested);
        return new(TlsRptId, area, "TLS reporting", DomainHealthStatus.Ok, $"Senders report TLS problems with {domain} to {rua}.", records[0]);
    }

    private static IReadOnlyList<KeyValuePair<string, string>>? TryParseTags(string text)
    {
        try
        {
            return TagList.Parse(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
