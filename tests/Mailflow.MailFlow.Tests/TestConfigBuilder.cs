using Mailflow.Configuration;

namespace Mailflow.MailFlow.Tests;

/// <summary>Builds <see cref="TransportConfig"/> snapshots in memory, the way the loader would from the store.</summary>
public sealed class TestConfigBuilder
{
    private readonly List<AcceptedDomain> domains = [];
    private readonly List<Recipient> recipients = [];
    private readonly List<SendConnector> connectors = [];
    private readonly List<TransportRule> rules = [];

    public TestConfigBuilder Domain(string name, AcceptedDomainType type = AcceptedDomainType.Authoritative, bool matchSubdomains = false)
    {
        domains.Add(new AcceptedDomain { DomainName = name, Type = type, MatchSubdomains = matchSubdomains, IsDefault = domains.Count == 0 });
        return this;
    }

    public Recipient Mailbox(string address, params string[] extraAddresses) =>
        Add(new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = address, ExtraAddresses = [.. extraAddresses], DeliveryTarget = "maildir/" + address });

    public Recipient Alias(string address, Recipient target) =>
        Add(new Recipient { Kind = RecipientKind.Alias, PrimaryAddress = address, ForwardToId = target.Id });

    public Recipient Contact(string address, string externalAddress) =>
        Add(new Recipient { Kind = RecipientKind.MailContact, PrimaryAddress = address, ExternalAddress = externalAddress });

    public Recipient Group(string address, params Recipient[] members) =>
        Add(new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = address, MemberIds = [.. members.Select(m => m.Id)] });

    public Recipient Add(Recipient recipient)
    {
        recipients.Add(recipient);
        return recipient;
    }

    public SendConnector Connector(SendConnector connector)
    {
        connectors.Add(connector);
        return connector;
    }

    public TransportRule Rule(TransportRule rule)
    {
        rule.Priority = rules.Count;
        rules.Add(rule);
        return rule;
    }

    public TransportConfig Build() =>
        new(1, DateTimeOffset.UnixEpoch, domains, [], connectors, recipients, rules, new OrganizationSettings());
}
