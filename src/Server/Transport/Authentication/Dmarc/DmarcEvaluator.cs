using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.PublicSuffix;
using Mailflow.Server.Transport.Authentication.Spf;

namespace Mailflow.Server.Transport.Authentication.Dmarc;

public enum DmarcResult
{
    None,
    Pass,
    Fail,
    TempError,
    PermError,
}

/// <summary>What DMARC is told about one message: the RFC 5322 From domain and the SPF and DKIM results with their domains.</summary>
public sealed record DmarcInput(string FromDomain, SpfResult Spf, string? SpfDomain, IReadOnlyList<(DkimResult Result, string Domain)> Dkim);

/// <summary>
/// DMARC's verdict. <see cref="Disposition"/> is what to do with this message: none unless the
/// result is fail; on fail the record's p= (sp= for a subdomain), lowered one step (reject →
/// quarantine → none) when the message falls outside pct=.
/// </summary>
public sealed record DmarcOutcome(DmarcResult Result, DmarcPolicy Disposition, string FromDomain, string Reason,
    DmarcRecord? Record = null, string? RecordDomain = null, bool SpfAligned = false, bool DkimAligned = false, DmarcPolicy? RequestedPolicy = null)
{
    public string ResultText => Result.ToText();
}

/// <summary>
/// RFC 7489 §6.6: policy discovery (the From domain's _dmarc record, else the organizational
/// domain's, found with the Public Suffix List), identifier alignment (relaxed: same organizational
/// domain; strict: the same name) of passing SPF and DKIM results, and the disposition.
/// </summary>
public sealed class DmarcEvaluator(AuthenticationDns dns, PublicSuffixListProvider suffixes, Random? random = null)
{
    private readonly Random random = random ?? Random.Shared;

    public string OrganizationalDomain(string domain) => suffixes.OrganizationalDomain(domain);

    public async Task<DmarcOutcome> EvaluateAsync(DmarcInput input, CancellationToken cancellationToken)
    {
        var from = DomainName.Normalize(input.FromDomain);
        if (!DomainName.IsValid(from))
            return new DmarcOutcome(DmarcResult.PermError, DmarcPolicy.None, from, $"\"{input.FromDomain}\" is not a valid From domain.");

        var organizational = OrganizationalDomain(from);
        var discovery = await DiscoverAsync(from, cancellationToken);
        if (discovery.Record is null && discovery.Outcome is null && organizational != from)
            discovery = await DiscoverAsync(organizational, cancellationToken);
        if (discovery.Outcome is { } early)
            return early with { FromDomain = from };
        if (discovery.Record is null)
            return new DmarcOutcome(DmarcResult.None, DmarcPolicy.None, from, $"Neither {from} nor {organizational} publishes a DMARC record.");

        var record = discovery.Record;
        var spfAligned = input.Spf == SpfResult.Pass && input.SpfDomain is { Length: > 0 } spfDomain && Aligned(spfDomain, from, record.SpfAlignment);
        var dkimAligned = input.Dkim.Any(d => d.Result == DkimResult.Pass && Aligned(d.Domain, from, record.DkimAlignment));
        var requested = record.PolicyFor(isSubdomain: discovery.Domain != from);
        if (spfAligned || dkimAligned)
        {
            var how = string.Join(" and ", new[] { spfAligned ? "SPF" : null, dkimAligned ? "DKIM" : null }.OfType<string>());
            return new DmarcOutcome(DmarcResult.Pass, DmarcPolicy.None, from, $"{how} passed in alignment with {from}.", record, discovery.Domain, spfAligned, dkimAligned, requested);
        }
        var disposition = requested;
        var sampled = record.Percent >= 100 || random.Next(100) < record.Percent;
        if (!sampled)
            disposition = disposition == DmarcPolicy.Reject ? DmarcPolicy.Quarantine : DmarcPolicy.None;
        var reason = $"Neither SPF nor DKIM passed in alignment with {from}; {discovery.Domain} asks for p={requested.ToText()}"
                     + (sampled ? "." : $", applied as {disposition.ToText()} (pct={record.Percent}).");
        return new DmarcOutcome(DmarcResult.Fail, disposition, from, reason, record, discovery.Domain, false, false, requested);
    }

    /// <summary>Relaxed: the same organizational domain; strict: the same name (§3.1).</summary>
    public bool Aligned(string authenticated, string from, DmarcAlignment mode)
    {
        authenticated = DomainName.Normalize(authenticated);
        return mode == DmarcAlignment.Strict
            ? authenticated == from
            : OrganizationalDomain(authenticated) == OrganizationalDomain(from);
    }

    private sealed record Discovery(string Domain, DmarcRecord? Record, DmarcOutcome? Outcome);

    /// <summary>The record at _dmarc.<paramref name="domain"/>; an outcome when discovery ends here (DNS failure, several or unusable records).</summary>
    private async Task<Discovery> DiscoverAsync(string domain, CancellationToken cancellationToken)
    {
        var name = "_dmarc." + domain;
        var lookup = await dns.TxtAsync(name, cancellationToken);
        if (lookup.Failed)
            return new(domain, null, new DmarcOutcome(DmarcResult.TempError, DmarcPolicy.None, domain, $"The DMARC record at {name} could not be fetched ({lookup.Error})."));
        var records = lookup.Records.Where(DmarcRecord.IsDmarcRecord).ToArray();
        if (records.Length == 0)
            return new(domain, null, null);
        if (records.Length > 1)
            // §6.6.3: several records end policy discovery; DMARC is not applied.
            return new(domain, null, new DmarcOutcome(DmarcResult.None, DmarcPolicy.None, domain, $"{name} publishes {records.Length} DMARC records, so DMARC does not apply (RFC 7489 §6.6.3)."));
        try
        {
            return new(domain, DmarcRecord.Parse(records[0]), null);
        }
        catch (FormatException exception)
        {
            return new(domain, null, new DmarcOutcome(DmarcResult.PermError, DmarcPolicy.None, domain, $"The DMARC record at {name} is unusable: {exception.Message}"));
        }
    }
}
