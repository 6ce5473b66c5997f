using Mailflow.Configuration;
using Mailflow.DomainHealth;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// Runs every check of an accepted domain's DNS — MX, SPF (record, lookups, our sending addresses),
/// DKIM selectors, DMARC, MTA-STS, TLS-RPT, reverse DNS of the sending addresses — and stores the
/// report (<see cref="DomainHealthService"/>). Checks run one after another, so a domain costs a few
/// dozen DNS questions, and never in parallel with another round on this node.
/// </summary>
public sealed class DomainHealthChecker(
    TransportConfigProvider config,
    SendingIdentityResolver senders,
    MxHealthCheck mx,
    SpfHealthCheck spf,
    DkimHealthCheck dkim,
    DmarcHealthCheck dmarc,
    TransportSecurityHealthCheck transportSecurity,
    ReverseDnsHealthCheck reverseDns,
    DomainHealthService store,
    IOptions<MailflowOptions> options,
    TimeProvider time) : IDomainHealthChecker
{
    private readonly SemaphoreSlim _round = new(1, 1);

    /// <summary>The domains to check: every accepted domain except the placeholder a fresh install starts with (it has no DNS).</summary>
    public static IReadOnlyList<string> DomainsOf(TransportConfig snapshot) =>
        [.. snapshot.AcceptedDomains.Select(d => d.DomainName).Where(d => !string.Equals(d, MailflowOptions.PlaceholderDomain, StringComparison.OrdinalIgnoreCase))];

    public async Task<DomainHealthReport?> CheckNowAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = DomainName.Normalize(domain ?? "");
        if (!DomainsOf(config.Current).Contains(name, StringComparer.OrdinalIgnoreCase))
            return null;
        await _round.WaitAsync(cancellationToken);
        try
        {
            var identities = await senders.ResolveAsync(cancellationToken);
            var reverse = await reverseDns.CheckAsync(identities, cancellationToken);
            return await CheckAndStoreAsync(name, identities, reverse, cancellationToken);
        }
        finally
        {
            _round.Release();
        }
    }

    /// <summary>Checks every accepted domain and drops the reports of domains no longer accepted.</summary>
    public async Task<IReadOnlyList<DomainHealthReport>> CheckAllAsync(CancellationToken cancellationToken)
    {
        await _round.WaitAsync(cancellationToken);
        try
        {
            var domains = DomainsOf(config.Current);
            await store.RemoveExceptAsync(domains, cancellationToken);
            var identities = await senders.ResolveAsync(cancellationToken);
            // Reverse DNS is about the nodes: asked once per round, shown with every domain.
            var reverse = await reverseDns.CheckAsync(identities, cancellationToken);
            var reports = new List<DomainHealthReport>();
            foreach (var domain in domains)
                reports.Add(await CheckAndStoreAsync(domain, identities, reverse, cancellationToken));
            return reports;
        }
        finally
        {
            _round.Release();
        }
    }

    private async Task<DomainHealthReport> CheckAndStoreAsync(string domain, SendingIdentities identities, IReadOnlyList<DomainHealthCheck> reverse, CancellationToken cancellationToken)
    {
        var checks = new List<DomainHealthCheck>
        {
            await mx.CheckAsync(domain, identities.Identities.FirstOrDefault()?.HeloName ?? options.Value.ResolvedFqdn, cancellationToken),
        };
        checks.AddRange(await spf.CheckAsync(domain, identities.Identities, cancellationToken));
        checks.AddRange(await dkim.CheckAsync(domain, config.Current.DkimSigningKeys, cancellationToken));
        checks.Add(await dmarc.CheckAsync(domain, cancellationToken));
        checks.Add(await transportSecurity.CheckMtaStsAsync(domain, cancellationToken));
        checks.Add(await transportSecurity.CheckTlsRptAsync(domain, cancellationToken));
        checks.AddRange(reverse);
        var report = new DomainHealthReport
        {
            Domain = domain,
            CheckedAt = time.GetUtcNow(),
            CheckedBy = options.Value.ResolvedNodeName,
            Checks = checks,
            Status = DomainHealthReport.Worst(checks),
        };
        await store.SaveAsync(report, cancellationToken);
        return report;
    }
}
