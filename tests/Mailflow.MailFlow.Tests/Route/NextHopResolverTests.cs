using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Route;

namespace Mailflow.MailFlow.Tests.Route;

public sealed class NextHopResolverTests
{
    private readonly TestConfigBuilder builder = new TestConfigBuilder().Domain("contoso.com");

    private SendConnector Add(string name, string addressSpace, int cost = 1, bool enabled = true, string[]? sourceNodes = null, params string[] smartHosts) =>
        builder.Connector(new SendConnector
        {
            Name = name,
            Enabled = enabled,
            AddressSpaces = [new AddressSpace(addressSpace, cost)],
            RoutingMethod = smartHosts.Length > 0 ? SendRoutingMethod.SmartHost : SendRoutingMethod.DnsMx,
            SmartHosts = [.. smartHosts],
            SourceNodes = [.. sourceNodes ?? []],
        });

    /// <summary>The connector table every selection case runs against.</summary>
    private TransportConfig Table()
    {
        Add("Internet", "*");
        Add("Contoso partners", "*.contoso.example", smartHosts: "relay.contoso.example");
        Add("Deep", "*.sales.contoso.example", cost: 10);
        Add("Fabrikam direct", "fabrikam.example", cost: 5);
        Add("Fabrikam cheap", "fabrikam.example", cost: 1);
        Add("Fabrikam backup", "fabrikam.example", cost: 1, sourceNodes: ["node-b"]);
        Add("Tailspin", "tailspin.example", enabled: false);
        Add("Wide cheap", "*", cost: 0, enabled: false);
        return builder.Build();
    }

    public static TheoryData<string, string, string> SelectionCases => new()
    {
        // domain, this node, expected connector
        { "unknown.example", "node-a", "Internet" },
        { "tailspin.example", "node-a", "Internet" },          // the exact match is disabled
        { "eu.contoso.example", "node-a", "Contoso partners" },
        { "contoso.example", "node-a", "Contoso partners" },   // *.parent covers the parent itself
        { "x.sales.contoso.example", "node-a", "Deep" },       // nearer parent beats a cheaper farther one
        { "fabrikam.example", "node-a", "Fabrikam cheap" },    // lowest cost; backup does not send from node-a
        { "fabrikam.example", "node-b", "Fabrikam backup" },   // both send from node-b: name order
        { "FABRIKAM.Example.", "node-a", "Fabrikam cheap" },
        { "sub.fabrikam.example", "node-a", "Internet" },      // an exact address space does not cover subdomains
    };

    [Theory]
    [MemberData(nameof(SelectionCases))]
    public void MostSpecificThenCheapestThenLocalConnectorWins_When_RoutingByDomain(string domain, string node, string expected)
    {
        var hop = new NextHopResolver(node).ResolveDomain(Table(), domain);

        Assert.Equal(expected, hop.Connector!.Name);
        Assert.Equal(ConnectorVerdict.Chosen, Assert.Single(hop.Candidates, c => c.ConnectorName == expected).Verdict);
        Assert.Single(hop.Candidates, c => c.Verdict == ConnectorVerdict.Chosen);
        Assert.Equal(8, hop.Candidates.Length);
        Assert.StartsWith($"“{expected}” was chosen", hop.Explanation);
    }

    [Fact]
    public void EveryLosingConnectorSaysWhy_When_FabrikamIsRoutedFromNodeA()
    {
        var hop = new NextHopResolver("node-a").ResolveDomain(Table(), "fabrikam.example");
        var verdicts = hop.Candidates.ToDictionary(c => c.ConnectorName);

        Assert.Equal(ConnectorVerdict.LessSpecific, verdicts["Internet"].Verdict);
        Assert.Equal("“Internet” matches through *, which is less specific than fabrikam.example.", verdicts["Internet"].Explanation);
        Assert.Equal(ConnectorVerdict.HigherCost, verdicts["Fabrikam direct"].Verdict);
        Assert.Equal("“Fabrikam direct” matches just as specifically (fabrikam.example), but its cost 5 is higher than 1.", verdicts["Fabrikam direct"].Explanation);
        Assert.Equal(ConnectorVerdict.NotForThisNode, verdicts["Fabrikam backup"].Verdict);
        Assert.Contains("sends only from node-b, not from this node (node-a)", verdicts["Fabrikam backup"].Explanation);
        Assert.Equal(ConnectorVerdict.NoMatchingAddressSpace, verdicts["Contoso partners"].Verdict);
        Assert.Equal(ConnectorVerdict.Disabled, verdicts["Tailspin"].Verdict);
        Assert.Equal("“Tailspin” is turned off.", verdicts["Tailspin"].Explanation);
        Assert.Equal(ConnectorVerdict.Disabled, verdicts["Wide cheap"].Verdict);
        Assert.Equal("“Fabrikam cheap” was chosen: its address space fabrikam.example is exactly fabrikam.example (cost 1). It looks up the MX records of fabrikam.example.", hop.Explanation);
    }

    [Fact]
    public void TieIsBrokenByName_When_ConnectorsMatchEquallyFromThisNode()
    {
        var hop = new NextHopResolver("node-b").ResolveDomain(Table(), "fabrikam.example");
        var cheap = Assert.Single(hop.Candidates, c => c.ConnectorName == "Fabrikam cheap");
        Assert.Equal(ConnectorVerdict.LostTie, cheap.Verdict);
        Assert.Contains("“Fabrikam backup” comes first by name", cheap.Explanation);
    }

    [Fact]
    public void ConnectorForOtherNodesIsStillUsed_When_NothingElseMatches()
    {
        var only = Add("Remote only", "*", sourceNodes: ["node-z"]);
        var hop = new NextHopResolver("node-a").ResolveDomain(builder.Build(), "fabrikam.example");
        Assert.Same(only, hop.Connector);
        Assert.Contains("set up to send only from node-z", hop.Explanation);
    }

    [Fact]
    public void MxRouteCarriesConnectorDomainPortAndQueueKey_When_ConnectorUsesDns()
    {
        var connector = Add("Internet", "*");
        connector.Port = 2525;
        connector.TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation;

        var hop = new NextHopResolver("node-a").ResolveDomain(builder.Build(), "Fabrikam.Example");

        Assert.Equal(NextHopKind.Mx, hop.Kind);
        Assert.Equal($"smtp:{connector.Id:D}:fabrikam.example", hop.QueueKey);
        Assert.Equal("fabrikam.example", hop.Domain);
        Assert.Equal(2525, hop.Port);
        Assert.Equal(OutboundTlsPolicy.RequiredWithCertificateValidation, hop.TlsPolicy);
        Assert.Empty(hop.Hosts);
        Assert.False(hop.RequireTls);
    }

    [Fact]
    public void SmartHostRouteListsHostsInOrderWithPorts_When_ConnectorUsesSmartHosts()
    {
        var connector = Add("Relay", "*", smartHosts: ["relay1.contoso.com", "relay2.contoso.com:587", "[2001:db8::25]:2525", "not a host!"]);
        connector.Port = 26;

        var hop = new NextHopResolver("node-a").ResolveDomain(builder.Build(), "fabrikam.example");

        Assert.Equal(NextHopKind.SmartHost, hop.Kind);
        Assert.Equal($"smarthost:{connector.Id:D}", hop.QueueKey);
        Assert.Equal([new HostEndpoint("relay1.contoso.com", 26), new HostEndpoint("relay2.contoso.com", 587), new HostEndpoint("2001:db8::25", 2525)], hop.Hosts.ToArray());
        Assert.Contains("relay1.contoso.com:26, relay2.contoso.com:587, [2001:db8::25]:2525 (in this order)", hop.Explanation);
    }

    [Fact]
    public void QueueKeyIsTheSameForEveryDomain_When_SmartHostIsUsed()
    {
        Add("Relay", "*", smartHosts: "relay.contoso.com");
        var resolver = new NextHopResolver("node-a");
        var config = builder.Build();
        Assert.Equal(resolver.ResolveDomain(config, "a.example").QueueKey, resolver.ResolveDomain(config, "b.example").QueueKey);
        Assert.NotEqual(resolver.ResolveDomain(config, "a.example").Domain, resolver.ResolveDomain(config, "b.example").Domain);
    }

    [Fact]
    public void RouteIsUnreachableWithReason_When_NoConnectorExists()
    {
        var hop = new NextHopResolver("node-a").ResolveDomain(builder.Build(), "fabrikam.example");
        Assert.Equal(NextHopKind.Unreachable, hop.Kind);
        Assert.Equal("unreachable", hop.QueueKey);
        Assert.Contains("There is no send connector", hop.UnreachableReason);
        Assert.Null(hop.Connector);
    }

    [Fact]
    public void RouteIsUnreachableWithReason_When_OnlyDisabledOrNonMatchingConnectorsExist()
    {
        Add("Off", "*", enabled: false);
        Add("Elsewhere", "tailspin.example");
        var hop = new NextHopResolver("node-a").ResolveDomain(builder.Build(), "fabrikam.example");
        Assert.Equal(NextHopKind.Unreachable, hop.Kind);
        Assert.Equal("No enabled send connector has an address space covering fabrikam.example. Add fabrikam.example (or *) to a send connector's address spaces, or turn on a connector that has one.", hop.UnreachableReason);
        Assert.Equal([ConnectorVerdict.NoMatchingAddressSpace, ConnectorVerdict.Disabled], hop.Candidates.Select(c => c.Verdict));
    }

    [Fact]
    public void SmartHostConnectorWithoutHostsIsUnreachable_When_Chosen()
    {
        var connector = Add("Empty relay", "*");
        connector.RoutingMethod = SendRoutingMethod.SmartHost;
        var hop = new NextHopResolver("node-a").ResolveDomain(builder.Build(), "fabrikam.example");
        Assert.Equal(NextHopKind.Unreachable, hop.Kind);
        Assert.Contains("none is configured", hop.UnreachableReason);
        Assert.Same(connector, hop.Connector);
    }

    [Fact]
    public void RuleOverrideWinsOverAddressSpaces_When_ConnectorExists()
    {
        var config = Table();
        var hop = new NextHopResolver("node-a").ResolveDomain(config, "fabrikam.example", new RouteOverrides("contoso PARTNERS"));
        Assert.Equal("Contoso partners", hop.Connector!.Name);
        Assert.Equal(NextHopKind.SmartHost, hop.Kind);
        Assert.Contains("A mail flow rule routes this message through “Contoso partners”", hop.Explanation);
        Assert.Equal(7, hop.Candidates.Count(c => c.Verdict == ConnectorVerdict.NotConsidered));
    }

    [Theory]
    [InlineData("Missing gateway", "there is no send connector with that name")]
    [InlineData("Tailspin", "that connector is turned off")]
    public void RuleOverrideMakesRecipientUnreachable_When_ConnectorIsMissingOrOff(string connector, string reason)
    {
        var hop = new NextHopResolver("node-a").ResolveDomain(Table(), "fabrikam.example", new RouteOverrides(connector));
        Assert.Equal(NextHopKind.Unreachable, hop.Kind);
        Assert.Contains(reason, hop.UnreachableReason);
    }

    [Fact]
    public void RequireTlsRaisesOpportunisticPolicyAndSeparatesTheQueue_When_RuleRequiresTls()
    {
        var connector = Add("Internet", "*");
        var resolver = new NextHopResolver("node-a");
        var config = builder.Build();

        var plain = resolver.ResolveDomain(config, "fabrikam.example");
        var strict = resolver.ResolveDomain(config, "fabrikam.example", RouteOverrides.From(RuleDecision.None with { RequireTls = true }));

        Assert.Equal(OutboundTlsPolicy.Opportunistic, plain.TlsPolicy);
        Assert.Equal(OutboundTlsPolicy.Required, strict.TlsPolicy);
        Assert.True(strict.RequireTls);
        Assert.Equal($"smtp:{connector.Id:D}:fabrikam.example:requiretls", strict.QueueKey);
        Assert.NotEqual(plain.QueueKey, strict.QueueKey);
    }

    [Fact]
    public void RequireTlsKeepsStricterPolicy_When_ConnectorValidatesCertificates()
    {
        Add("Internet", "*").TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation;
        var hop = new NextHopResolver("node-a").ResolveDomain(builder.Build(), "fabrikam.example", new RouteOverrides(RequireTls: true));
        Assert.Equal(OutboundTlsPolicy.RequiredWithCertificateValidation, hop.TlsPolicy);
    }

    public static TheoryData<MailboxDeliveryKind, string, NextHopKind, string> MailboxCases => new()
    {
        { MailboxDeliveryKind.Maildir, "mail/bob", NextHopKind.Maildir, "local:maildir" },
        { MailboxDeliveryKind.Lmtp, "Mailstore.contoso.com:2424", NextHopKind.Lmtp, "lmtp:mailstore.contoso.com:2424" },
        { MailboxDeliveryKind.Lmtp, "mailstore.contoso.com", NextHopKind.Lmtp, "lmtp:mailstore.contoso.com:24" },
        { MailboxDeliveryKind.Lmtp, "unix:/run/dovecot/lmtp", NextHopKind.Lmtp, "lmtp:unix:/run/dovecot/lmtp" },
        { MailboxDeliveryKind.Smtp, "10.0.0.5", NextHopKind.MailboxSmtp, "mailbox-smtp:10.0.0.5:25" },
        { MailboxDeliveryKind.Smtp, "mx.internal.contoso.com:2525", NextHopKind.MailboxSmtp, "mailbox-smtp:mx.internal.contoso.com:2525" },
        { MailboxDeliveryKind.Lmtp, "no way:99999", NextHopKind.Unreachable, "unreachable" },
    };

    [Theory]
    [MemberData(nameof(MailboxCases))]
    public void MailboxIsDeliveredByItsDeliveryKind_When_Routed(MailboxDeliveryKind kind, string target, NextHopKind expected, string queueKey)
    {
        var bob = builder.Mailbox("bob@contoso.com");
        bob.DeliveryKind = kind;
        bob.DeliveryTarget = target;
        Add("Internet", "*");
        var config = builder.Build();
        var resolved = Assert.Single(new RecipientResolver().Resolve(config, "bob@contoso.com").Recipients);

        // The rule's connector override is for routed mail; a mailbox keeps its own delivery.
        var hop = new NextHopResolver("node-a").Resolve(config, resolved, new RouteOverrides("Internet"));

        Assert.Equal(expected, hop.Kind);
        Assert.Equal(queueKey, hop.QueueKey);
        Assert.Null(hop.Connector);
        if (expected == NextHopKind.Unreachable)
            Assert.Contains("is not a host or host:port", hop.UnreachableReason);
        else
            Assert.Equal(target, hop.DeliveryTarget);
    }

    [Fact]
    public void EveryDeliverableRecipientGetsAHopAndFailuresAreLeftOut_When_AResolutionIsRouted()
    {
        builder.Domain("relay.contoso.com", AcceptedDomainType.InternalRelay);
        builder.Mailbox("bob@contoso.com");
        builder.Contact("ann@contoso.com", "ann@fabrikam.example");
        var relay = Add("Internal relay", "relay.contoso.com", smartHosts: "legacy.contoso.com");
        var internet = Add("Internet", "*");
        var config = builder.Build();
        var resolution = new RecipientResolver().Resolve(config, "bob@contoso.com", "ann@contoso.com", "x@relay.contoso.com", "nobody@contoso.com", "y@tailspin.example");

        var routed = new NextHopResolver("node-a").Route(config, resolution);

        Assert.Equal(
            [("bob@contoso.com", "local:maildir"), ("ann@fabrikam.example", $"smtp:{internet.Id:D}:fabrikam.example"),
             ("x@relay.contoso.com", $"smarthost:{relay.Id:D}"), ("y@tailspin.example", $"smtp:{internet.Id:D}:tailspin.example")],
            routed.Select(r => (r.Recipient.Address, r.NextHop.QueueKey)));
        Assert.Throws<ArgumentException>(() => new NextHopResolver("node-a").Resolve(config, resolution.Failed.Single()));
    }
}
