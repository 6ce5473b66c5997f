using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Mailflow.Configuration;

/// <summary>
/// The engine's view of the configuration: one generation, loaded in one read transaction, never
/// changed after it is built (the objects in it are private copies — do not mutate them). The
/// engine reads only this, never the database, on the hot path; a new generation replaces the
/// whole object atomically, and sessions in flight keep the snapshot they started with.
/// </summary>
public sealed class TransportConfig
{
    private readonly FrozenDictionary<string, AcceptedDomain> _domainsByName;
    private readonly FrozenDictionary<string, Recipient> _recipientsByAddress;
    private readonly FrozenDictionary<Guid, Recipient> _recipientsById;

    public TransportConfig(
        long generation,
        DateTimeOffset loadedAt,
        IEnumerable<AcceptedDomain> acceptedDomains,
        IEnumerable<ReceiveConnector> receiveConnectors,
        IEnumerable<SendConnector> sendConnectors,
        IEnumerable<Recipient> recipients,
        IEnumerable<TransportRule> transportRules,
        OrganizationSettings organization,
        IEnumerable<TlsCertificate>? certificates = null)
    {
        Generation = generation;
        LoadedAt = loadedAt;
        AcceptedDomains = [.. acceptedDomains.OrderBy(d => d.DomainName, StringComparer.Ordinal)];
        ReceiveConnectors = [.. receiveConnectors.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];
        SendConnectors = [.. sendConnectors.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];
        Recipients = [.. recipients.OrderBy(r => r.PrimaryAddress, StringComparer.Ordinal)];
        TransportRules = [.. transportRules.OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal)];
        Organization = organization;
        Certificates = (certificates ?? []).ToFrozenDictionary(c => c.Id);

        _domainsByName = AcceptedDomains.ToFrozenDictionary(d => d.DomainName, StringComparer.OrdinalIgnoreCase);
        _recipientsById = Recipients.ToFrozenDictionary(r => r.Id);
        var byAddress = new Dictionary<string, Recipient>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in Recipients)
            foreach (var address in recipient.AllAddresses)
                byAddress.TryAdd(address, recipient);
        _recipientsByAddress = byAddress.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The configuration generation this snapshot holds (0 = nothing saved yet).</summary>
    public long Generation { get; }
    public DateTimeOffset LoadedAt { get; }
    public ImmutableArray<AcceptedDomain> AcceptedDomains { get; }
    public ImmutableArray<ReceiveConnector> ReceiveConnectors { get; }
    public ImmutableArray<SendConnector> SendConnectors { get; }
    public ImmutableArray<Recipient> Recipients { get; }
    /// <summary>All rules, in evaluation order (priority, then name); disabled ones included so the what-if tester can explain them.</summary>
    public ImmutableArray<TransportRule> TransportRules { get; }
    public OrganizationSettings Organization { get; }
    /// <summary>
    /// The stored TLS certificates by id, their key material still protected: the receive engine
    /// unprotects and loads each once per generation (never per session).
    /// </summary>
    public FrozenDictionary<Guid, TlsCertificate> Certificates { get; }

    /// <summary>
    /// Admins' settings per transport agent (agents without one run with their defaults). New kinds of
    /// configuration are added as <c>init</c> properties like this one, set by the loader.
    /// </summary>
    public ImmutableArray<TransportAgentSetting> TransportAgents { get; init; } = [];

    /// <summary>Journal rules (disabled ones included, so "Test mail flow" can say they are off), by name.</summary>
    public ImmutableArray<JournalRule> JournalRules { get; init; } = [];

    /// <summary>DKIM signing keys (private keys still protected): the delivery engine signs with the enabled ones.</summary>
    public ImmutableArray<DkimSigningKey> DkimSigningKeys { get; init; } = [];

    /// <summary>The connection filter's IP allow and block lists (expired entries included: the filter skips them by time).</summary>
    public ImmutableArray<IpListEntry> IpList
    {
        get => _ipList;
        init
        {
            _ipList = value;
            _ipAccess = null;
        }
    }

    /// <summary>Address rewriting entries (disabled ones included, for the pages; the table holds the enabled ones).</summary>
    public ImmutableArray<AddressRewriteEntry> AddressRewrites
    {
        get => _addressRewrites;
        init
        {
            _addressRewrites = value;
            _addressRewriteTable = null;
        }
    }

    /// <summary>The address rewriting entries parsed once per generation.</summary>
    public AddressRewriteTable AddressRewriting => _addressRewriteTable ??= _addressRewrites.IsDefaultOrEmpty ? AddressRewriteTable.Empty : new AddressRewriteTable(_addressRewrites);

    private readonly ImmutableArray<AddressRewriteEntry> _addressRewrites = [];
    private AddressRewriteTable? _addressRewriteTable;

    /// <summary>Remote domains (the default * entry included).</summary>
    public ImmutableArray<RemoteDomain> RemoteDomains
    {
        get => _remoteDomains;
        init
        {
            _remoteDomains = value;
            _remoteDomainTable = null;
        }
    }

    /// <summary>The remote domains indexed once per generation: which entry covers a domain.</summary>
    public RemoteDomainTable RemoteDomainSettings => _remoteDomainTable ??= _remoteDomains.IsDefaultOrEmpty ? RemoteDomainTable.Empty : new RemoteDomainTable(_remoteDomains);

    private readonly ImmutableArray<RemoteDomain> _remoteDomains = [];
    private RemoteDomainTable? _remoteDomainTable;

    /// <summary>
    /// Whether <paramref name="domain"/> counts as inside the organization for the scopes of mail flow
    /// rules and journal rules: an accepted domain, or a domain a remote domain entry marks as a trusted partner.
    /// </summary>
    public bool IsInsideOrganization(string domain) =>
        FindAcceptedDomain(domain) is not null || (RemoteDomainSettings.HasTrustedPartners && RemoteDomainSettings.Find(domain).TrustedPartner);

    /// <summary>Protection settings (DNS block lists, Rspamd, ClamAV).</summary>
    public ProtectionSettings Protection { get; init; } = new();
    /// <summary>Operations settings (alert thresholds and notification, log retention).</summary>
    public OperationsSettings Operations { get; init; } = new();

    /// <summary>Senders blocked for reaching a rate limit, by AUTH user name (lower case).</summary>
    public FrozenDictionary<string, BlockedSender> BlockedSenders { get; init; } = FrozenDictionary<string, BlockedSender>.Empty;

    /// <summary>The IP lists parsed once per generation.</summary>
    public IpAccessList IpAccess => _ipAccess ??= new IpAccessList(_ipList);

    private readonly ImmutableArray<IpListEntry> _ipList = [];
    private IpAccessList? _ipAccess;

    public TransportAgentSetting? FindAgentSetting(string agentName) =>
        TransportAgents.FirstOrDefault(a => string.Equals(a.AgentName, agentName, StringComparison.OrdinalIgnoreCase));

    public AcceptedDomain? DefaultDomain => AcceptedDomains.FirstOrDefault(d => d.IsDefault);

    /// <summary>The accepted domain that covers <paramref name="domain"/>: an exact match, or the closest parent that matches subdomains.</summary>
    public AcceptedDomain? FindAcceptedDomain(string domain)
    {
        var name = domain.TrimEnd('.');
        if (_domainsByName.TryGetValue(name, out var exact))
            return exact;
        for (var dot = name.IndexOf('.'); dot >= 0; dot = name.IndexOf('.', dot + 1))
        {
            if (_domainsByName.TryGetValue(name[(dot + 1)..], out var parent) && parent.MatchSubdomains)
                return parent;
        }
        return null;
    }

    /// <summary>The recipient owning <paramref name="address"/> (primary or extra address), compared case-insensitively.</summary>
    public Recipient? FindRecipient(string address) => _recipientsByAddress.GetValueOrDefault(address);

    public Recipient? FindRecipient(Guid id) => _recipientsById.GetValueOrDefault(id);

    public static TransportConfig Empty { get; } = new(0, DateTimeOffset.MinValue, [], [], [], [], [], new OrganizationSettings());
}
