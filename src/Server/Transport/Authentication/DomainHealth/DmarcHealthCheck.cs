using Mailflow.DomainHealth;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.PublicSuffix;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// DMARC (RFC 7489 §6.6.3): one valid record at <c>_dmarc.domain</c> (or the organizational domain's,
/// found with the Public Suffix List), parsed by <see cref="DmarcRecord"/>; p=none and pct under 100
/// protect only partly.
/// </summary>
public sealed class DmarcHealthCheck(DomainHealthDns dns, PublicSuffixListProvider suffixes)
{
    public const string Id = "dmarc";
    private const string Area = "DMARC";

    public async Task<DomainHealthCheck> CheckAsync(string domain, CancellationToken cancellationToken)
    {
        var name = "_dmarc." + domain;
        var suggested = $"v=DMARC1; p=none; rua=mailto:dmarc@{domain}";
        var lookup = await dns.Dns.TxtAsync(name, cancellationToken);
        if (lookup.Failed)
            return new(Id, Area, "DMARC record could not be read", DomainHealthStatus.Warn, $"DNS did not answer for {name} ({lookup.Error}); the next check tries again.");
        var records = lookup.Records.Where(DmarcRecord.IsDmarcRecord).ToArray();
        var recordDomain = domain;
        if (records.Length == 0)
        {
            var organizational = suffixes.OrganizationalDomain(domain);
            if (organizational != domain)
            {
                var parent = await dns.Dns.TxtAsync("_dmarc." + organizational, cancellationToken);
                var inherited = parent.Records.Where(DmarcRecord.IsDmarcRecord).ToArray();
                if (inherited.Length == 1)
                {
                    records = inherited;
                    recordDomain = organizational;
                }
            }
        }
        if (records.Length == 0)
            return new(Id, Area, "No DMARC record", DomainHealthStatus.Fail,
                $"{domain} publishes no DMARC record: receivers apply no policy to forgeries, and Gmail and Yahoo require one from bulk senders. "
                + "Start with p=none and reports to a mailbox here, then move to quarantine once the DMARC reports show only your own servers.",
                null, name, "TXT", suggested);
        if (records.Length > 1)
            return new(Id, Area, "Several DMARC records", DomainHealthStatus.Fail,
                $"_dmarc.{recordDomain} publishes {records.Length} DMARC records, so receivers apply none of them (RFC 7489 §6.6.3). Keep one.",
                string.Join("\n", records), "_dmarc." + recordDomain, "TXT", records[0]);
        DmarcRecord record;
        try
        {
            record = DmarcRecord.Parse(records[0]);
        }
        catch (FormatException exception)
        {
            return new(Id, Area, "Invalid DMARC record", DomainHealthStatus.Fail,
                $"The DMARC record at _dmarc.{recordDomain} cannot be used ({exception.Message}); receivers treat {domain} as having none.",
                records[0], "_dmarc." + recordDomain, "TXT", suggested);
        }
        var inheritedNote = recordDomain == domain ? "" : $" (inherited from {recordDomain})";
        var policy = record.PolicyFor(isSubdomain: recordDomain != domain);
        var title = $"DMARC policy {policy.ToText()}{inheritedNote}";
        if (policy == DmarcPolicy.None)
            return new(Id, Area, title, DomainHealthStatus.Warn,
                $"The DMARC record of {domain}{inheritedNote} asks receivers to do nothing with mail that fails (p=none): it collects reports but stops no forgery. "
                + "Once the DMARC reports show only your own servers failing nothing, move to quarantine.",
                records[0], "_dmarc." + recordDomain, "TXT", WithPolicy(records[0], "quarantine"));
        if (record.Percent < 100)
            return new(Id, Area, $"{title}, pct={record.Percent}", DomainHealthStatus.Warn,
                $"The DMARC policy of {domain} applies to {record.Percent}% of failing mail only; the rest is treated one step more leniently.",
                records[0], "_dmarc." + recordDomain, "TXT", WithoutTag(records[0], "pct"));
        var reports = record.AggregateReportAddresses.Count == 0 ? " It asks for no aggregate reports (rua=), so you do not see who sends as you." : "";
        return new(Id, Area, title, reports.Length == 0 ? DomainHealthStatus.Ok : DomainHealthStatus.Warn,
            $"Receivers {(policy == DmarcPolicy.Reject ? "refuse" : "junk")} mail from {domain} that fails DMARC.{reports}", records[0],
            reports.Length == 0 ? null : "_dmarc." + recordDomain, reports.Length == 0 ? null : "TXT",
            reports.Length == 0 ? null : records[0].TrimEnd().TrimEnd(';') + $"; rua=mailto:dmarc@{domain}");
    }

    private static string WithPolicy(string text, string policy)
    {
        var tags = text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.StartsWith("p=", StringComparison.OrdinalIgnoreCase) ? "p=" + policy : t);
        return string.Join("; ", tags);
    }

    private static string WithoutTag(string text, string tag) =>
        string.Join("; ", text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(t => !t.StartsWith(tag + "=", StringComparison.OrdinalIgnoreCase)));
}
