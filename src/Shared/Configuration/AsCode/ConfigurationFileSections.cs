using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// The configuration document's sections by name (as the JSON file spells them), which of them a file
/// contains, and whether the store's last applied configuration file owns one with
/// <see cref="ConfigFileMode.Always"/> — read by the admin center's pages to warn that their edits are
/// overwritten at the next start.
/// </summary>
public sealed class ConfigurationFileSections(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public const string OrganizationSettings = "organizationSettings";
    public const string AcceptedDomains = "acceptedDomains";
    public const string ReceiveConnectors = "receiveConnectors";
    public const string SendConnectors = "sendConnectors";
    public const string Recipients = "recipients";
    public const string Rules = "rules";
    public const string Protection = "protection";
    public const string IpLists = "ipLists";
    public const string AddressRewrites = "addressRewrites";
    public const string RemoteDomains = "remoteDomains";
    public const string TransportAgents = "transportAgents";
    public const string DkimKeys = "dkimKeys";
    public const string Operations = "operations";
    public const string JournalRules = "journalRules";

    /// <summary>The sections <paramref name="document"/> contains (an absent section leaves the stored one alone).</summary>
    public static IReadOnlyList<string> Of(ConfigurationDocument document)
    {
        var sections = new List<string>();
        void Add(object? section, string name)
        {
            if (section is not null)
                sections.Add(name);
        }
        Add(document.OrganizationSettings, OrganizationSettings);
        Add(document.AcceptedDomains, AcceptedDomains);
        Add(document.ReceiveConnectors, ReceiveConnectors);
        Add(document.SendConnectors, SendConnectors);
        Add(document.Recipients, Recipients);
        Add(document.Rules, Rules);
        Add(document.Protection, Protection);
        Add(document.IpLists, IpLists);
        Add(document.AddressRewrites, AddressRewrites);
        Add(document.RemoteDomains, RemoteDomains);
        Add(document.TransportAgents, TransportAgents);
        Add(document.DkimKeys, DkimKeys);
        Add(document.Operations, Operations);
        Add(document.JournalRules, JournalRules);
        return sections;
    }

    /// <summary>The configuration file that overwrites <paramref name="section"/> at every start, or null when none does.</summary>
    public async Task<ConfigurationFileRecord?> OwnerOfAsync(string section, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.ConfigurationFileRecords.AsNoTracking().OrderByDescending(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        return last is { Mode: ConfigFileMode.Always } && last.Sections.Split(',').Contains(section, StringComparer.Ordinal) ? last : null;
    }
}
