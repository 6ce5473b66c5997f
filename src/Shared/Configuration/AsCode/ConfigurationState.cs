using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Every configuration object in the store, read on one context (inside the caller's transaction).</summary>
internal sealed record ConfigurationState(
    OrganizationSettings? Settings,
    List<AcceptedDomain> Domains,
    List<ReceiveConnector> ReceiveConnectors,
    List<SendConnector> SendConnectors,
    List<Recipient> Recipients,
    List<TransportRule> Rules,
    ProtectionSettings? Protection,
    List<IpListEntry> IpList,
    List<TransportAgentSetting> AgentSettings,
    List<DkimSigningKey> DkimKeys,
    List<AddressRewriteEntry> AddressRewrites,
    List<JournalRule> JournalRules,
    List<RemoteDomain> RemoteDomains,
    OperationsSettings? Operations = null)
{
    public static async Task<ConfigurationState> LoadAsync(MailflowDbContext db, bool tracking, CancellationToken cancellationToken)
    {
        IQueryable<T> Query<T>() where T : class => tracking ? db.Set<T>() : db.Set<T>().AsNoTracking();
        var settings = await Query<OrganizationSettings>().FirstOrDefaultAsync(cancellationToken);
        var domains = await Query<AcceptedDomain>().ToListAsync(cancellationToken);
        var receive = await Query<ReceiveConnector>().ToListAsync(cancellationToken);
        var send = await Query<SendConnector>().ToListAsync(cancellationToken);
        var recipients = await Query<Recipient>().ToListAsync(cancellationToken);
        var rules = await Query<TransportRule>().ToListAsync(cancellationToken);
        var protection = await Query<ProtectionSettings>().FirstOrDefaultAsync(cancellationToken);
        var ipList = await Query<IpListEntry>().ToListAsync(cancellationToken);
        var agentSettings = await Query<TransportAgentSetting>().ToListAsync(cancellationToken);
        var dkimKeys = await Query<DkimSigningKey>().ToListAsync(cancellationToken);
        var operations = await Query<OperationsSettings>().FirstOrDefaultAsync(cancellationToken);
        var addressRewrites = await Query<AddressRewriteEntry>().ToListAsync(cancellationToken);
        var journalRules = await Query<JournalRule>().ToListAsync(cancellationToken);
        var remoteDomains = await Query<RemoteDomain>().ToListAsync(cancellationToken);
        return new ConfigurationState(
            settings,
            [.. domains.OrderBy(d => d.DomainName, StringComparer.Ordinal)],
            [.. receive.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)],
            [.. send.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)],
            [.. recipients.OrderBy(r => r.PrimaryAddress, StringComparer.Ordinal)],
            [.. rules.OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal)],
            protection,
            [.. ipList.OrderBy(e => e.List).ThenBy(e => e.Range, StringComparer.Ordinal)],
            [.. agentSettings.OrderBy(a => a.AgentName, StringComparer.OrdinalIgnoreCase)],
            [.. dkimKeys.OrderBy(k => k.Domain, StringComparer.Ordinal).ThenBy(k => k.Selector, StringComparer.Ordinal)],
            [.. addressRewrites.OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)],
            [.. journalRules.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)],
            [.. remoteDomains.OrderBy(e => e.DomainName, StringComparer.Ordinal)],
            operations);
    }
}
