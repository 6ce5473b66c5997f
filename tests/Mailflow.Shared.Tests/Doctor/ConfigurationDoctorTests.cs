using Mailflow.Configuration;
using Mailflow.Configuration.Doctor;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Shared.Tests.Doctor;

public class ConfigurationDoctorTests
{
    private static TransportConfig Config(
        IEnumerable<ReceiveConnector>? receive = null,
        IEnumerable<SendConnector>? send = null,
        IEnumerable<AcceptedDomain>? domains = null,
        OrganizationSettings? organization = null,
        IEnumerable<Recipient>? recipients = null,
        IEnumerable<TransportRule>? rules = null,
        IEnumerable<TlsCertificate>? certificates = null) =>
        new(1, DateTimeOffset.UnixEpoch, domains ?? [], receive ?? [], send ?? [], recipients ?? [], rules ?? [], organization ?? new OrganizationSettings(), certificates);

    private static ReceiveConnector Relay(string name, params string[] ranges) => new()
    {
        Name = name,
        Bindings = [new IpBinding("0.0.0.0", 25)],
        RemoteIpRanges = [.. ranges],
        PermissionGroups = ReceivePermissionGroups.TrustedRelayServers,
    };

    private static SendConnector Send(string name, params (string Domain, int Cost)[] spaces) => new()
    {
        Name = name,
        AddressSpaces = [.. spaces.Select(s => new AddressSpace(s.Domain, s.Cost))],
    };

    private static IReadOnlyList<DoctorWarning> Found(TransportConfig config, string check) =>
        [.. ConfigurationDoctor.Examine(config, TimeProvider.System).Where(w => w.Check == check)];

    [Fact]
    public void DefaultConfiguration_HasNoWarnings_When_NothingIsConfigured()
    {
        Assert.Empty(ConfigurationDoctor.Examine(Config(), TimeProvider.System));
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("10.0.0.0/8")]
    [InlineData("2001:db8::/32")]
    public void OpenRelay_IsCritical_When_TrustedRelayRangeIsBroad(string range)
    {
        var warning = Assert.Single(Found(Config(receive: [Relay("Relay", "192.0.2.10", range)]), "open-relay"));

        Assert.Equal(DoctorSeverity.Critical, warning.Severity);
        Assert.Equal("Relay", warning.Subject);
        Assert.Contains(range, warning.Explanation, StringComparison.Ordinal);
        Assert.Equal(ConfigurationDoctor.ReceiveConnectorsPath, warning.FixPath);
    }

    [Fact]
    public void OpenRelay_IsReported_When_TrustedRelayConnectorHasNoRanges()
    {
        var warning = Assert.Single(Found(Config(receive: [Relay("Relay")]), "open-relay"));

        Assert.Contains("no remote IP ranges", warning.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenRelay_IsNotReported_When_RangesAreNarrowOrConnectorOnlyAcceptsAnonymousSubmission()
    {
        var narrow = Relay("Relay", "192.0.2.0/24", "10.1.0.0/16");
        var anonymous = new ReceiveConnector { Name = "Internet", Bindings = [new IpBinding("0.0.0.0", 2525)], PermissionGroups = ReceivePermissionGroups.AnonymousUsers };
        var disabled = Relay("Old", "0.0.0.0/0");
        disabled.Enabled = false;

        Assert.Empty(Found(Config(receive: [narrow, anonymous, disabled]), "open-relay"));
    }

    [Fact]
    public void AuthWithoutTls_IsCritical_When_BasicAuthIsOfferedWithoutTls()
    {
        var connector = new ReceiveConnector { Name = "Clients", TlsMode = ConnectorTlsMode.None, AuthMechanisms = ReceiveAuthMechanisms.BasicAuth };

        var warning = Assert.Single(Found(Config(receive: [connector]), "auth-without-tls"));

        Assert.Equal(DoctorSeverity.Critical, warning.Severity);
    }

    [Theory]
    [InlineData(ConnectorTlsMode.StartTls, ReceiveAuthMechanisms.BasicAuth)]
    [InlineData(ConnectorTlsMode.None, ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls)]
    [InlineData(ConnectorTlsMode.None, ReceiveAuthMechanisms.None)]
    public void AuthWithoutTls_IsNotReported_When_TlsProtectsOrNoBasicAuth(ConnectorTlsMode tls, ReceiveAuthMechanisms auth)
    {
        var connector = new ReceiveConnector { Name = "Clients", TlsMode = tls, AuthMechanisms = auth };

        Assert.Empty(Found(Config(receive: [connector]), "auth-without-tls"));
    }

    [Fact]
    public void OverlappingRanges_IsReported_When_RangesPartlyOverlapOnSameBinding()
    {
        var a = new ReceiveConnector { Name = "A", Bindings = [new IpBinding("0.0.0.0", 25)], RemoteIpRanges = ["10.0.0.0-10.0.0.200"] };
        var b = new ReceiveConnector { Name = "B", Bindings = [new IpBinding("192.0.2.1", 25)], RemoteIpRanges = ["10.0.0.100-10.0.1.50"] };

        var warning = Assert.Single(Found(Config(receive: [a, b]), "overlapping-ranges"));

        Assert.Equal("A / B", warning.Subject);
        Assert.Contains("partly", warning.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlappingRanges_IsReported_When_TwoConnectorsListTheSameRange()
    {
        var a = new ReceiveConnector { Name = "A", Bindings = [new IpBinding("0.0.0.0", 25)], RemoteIpRanges = ["192.0.2.0/24"] };
        var b = new ReceiveConnector { Name = "B", Bindings = [new IpBinding("0.0.0.0", 25)], RemoteIpRanges = ["192.0.2.0/24"] };

        Assert.Single(Found(Config(receive: [a, b]), "overlapping-ranges"));
    }

    [Fact]
    public void OverlappingRanges_IsNotReported_When_RangesNestOrBindingsDiffer()
    {
        var general = new ReceiveConnector { Name = "General", Bindings = [new IpBinding("0.0.0.0", 25)], RemoteIpRanges = ["0.0.0.0/0"] };
        var specific = new ReceiveConnector { Name = "Specific", Bindings = [new IpBinding("0.0.0.0", 25)], RemoteIpRanges = ["192.0.2.0/24"] };
        var otherPort = new ReceiveConnector { Name = "Other", Bindings = [new IpBinding("0.0.0.0", 587)], RemoteIpRanges = ["192.0.2.0/24"] };

        Assert.Empty(Found(Config(receive: [general, specific, otherPort]), "overlapping-ranges"));
    }

    [Fact]
    public void ShadowedAddressSpace_IsReported_When_SpecificSpaceOnOtherConnectorTakesPartOfWildcard()
    {
        var warning = Assert.Single(Found(Config(send: [Send("Partners", ("*.contoso.com", 1)), Send("Sales", ("sales.contoso.com", 5))]), "shadowed-address-space"));

        Assert.Equal("Partners", warning.Subject);
        Assert.Contains("sales.contoso.com", warning.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void ShadowedAddressSpace_IsReported_When_CatchAllHasLowerCostThanSpecificSpace()
    {
        var warning = Assert.Single(Found(Config(send: [Send("Internet", ("*", 1)), Send("Partner", ("fabrikam.com", 10))]), "shadowed-address-space"));

        Assert.Contains("more specific match always beats a lower cost", warning.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void ShadowedAddressSpace_IsNotReported_When_CatchAllSitsUnderSpecificDomainsAsDesigned()
    {
        Assert.Empty(Found(Config(send: [Send("Internet", ("*", 10)), Send("Partner", ("fabrikam.com", 1))]), "shadowed-address-space"));
    }

    [Fact]
    public void UnreachableDomain_IsReported_When_NoSendConnectorCoversRelayDomain()
    {
        var domains = new[]
        {
            new AcceptedDomain { DomainName = "relay.example", Type = AcceptedDomainType.InternalRelay },
            new AcceptedDomain { DomainName = "covered.example", Type = AcceptedDomainType.ExternalRelay },
            new AcceptedDomain { DomainName = "local.example", Type = AcceptedDomainType.Authoritative },
        };

        var warning = Assert.Single(Found(Config(domains: domains, send: [Send("Covered", ("covered.example", 1))]), "unreachable-domain"));

        Assert.Equal("relay.example", warning.Subject);
        Assert.Contains("Unreachable", warning.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreachableDomain_IsReported_When_OnlyConnectorIsDisabled()
    {
        var connector = Send("Everything", ("*", 1));
        connector.Enabled = false;

        Assert.Single(Found(Config(domains: [new AcceptedDomain { DomainName = "relay.example", Type = AcceptedDomainType.InternalRelay }], send: [connector]), "unreachable-domain"));
    }

    [Fact]
    public void SizeLimits_AreReported_When_ConnectorsDisagreeWithOrganization()
    {
        var organization = new OrganizationSettings { MaxReceiveSizeBytes = 10L * 1024 * 1024, MaxSendSizeBytes = 50L * 1024 * 1024 };
        var receive = new ReceiveConnector { Name = "Big", MaxMessageSizeBytes = 100L * 1024 * 1024 };
        var send = Send("Small", ("*", 1));
        send.MaxMessageSizeBytes = 20L * 1024 * 1024;

        var warnings = Found(Config(receive: [receive], send: [send], organization: organization), "size-limits");

        Assert.Equal(["Big", "Small"], warnings.Select(w => w.Subject).Order(StringComparer.Ordinal));
        Assert.Contains(warnings, w => w.Explanation.Contains("50 MB", StringComparison.Ordinal) && w.Explanation.Contains("20 MB", StringComparison.Ordinal));
    }

    [Fact]
    public void SizeLimits_AreNotReported_When_DefaultsAreUsed()
    {
        Assert.Empty(Found(Config(receive: [new ReceiveConnector { Name = "Default" }], send: [Send("Internet", ("*", 1))]), "size-limits"));
    }

    [Fact]
    public void SizeLimits_AreNotReported_When_SendConnectorHasNoLimitOfItsOwn()
    {
        var unlimited = Send("Internet", ("*", 1));
        unlimited.MaxMessageSizeBytes = 0;

        Assert.Empty(Found(Config(send: [unlimited]), "size-limits"));
    }

    private static TransportRule RouteThrough(string connector, RuleMode mode = RuleMode.Enforce) => new()
    {
        Name = "Via partner",
        Mode = mode,
        Definition = { Actions = [new RuleAction { Kind = "RouteThroughConnector", Arguments = { ["Connector"] = connector } }] },
    };

    [Fact]
    public void RuleMissingConnector_LinksToTheRule_When_NoConnectorHasTheName()
    {
        var rule = RouteThrough("Partner");

        var warning = Assert.Single(Found(Config(send: [Send("Internet", ("*", 1))], rules: [rule]), "rule-missing-connector"));

        Assert.Equal(DoctorSeverity.Warning, warning.Severity);
        Assert.Equal("Via partner", warning.Subject);
        Assert.Contains("no send connector with that name", warning.Explanation, StringComparison.Ordinal);
        Assert.Equal(ConfigurationDoctor.RulePath(rule.Id), warning.FixPath);
    }

    [Fact]
    public void RuleMissingConnector_IsReported_When_TheConnectorIsTurnedOff()
    {
        var partner = Send("Partner", ("partner.test", 1));
        partner.Enabled = false;

        var warning = Assert.Single(Found(Config(send: [partner], rules: [RouteThrough("partner")]), "rule-missing-connector"));

        Assert.Contains("turned off", warning.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleMissingConnector_IsNotReported_When_TheConnectorIsEnabledOrTheRuleOnlyTests()
    {
        var disabledRule = RouteThrough("Gone");
        disabledRule.Enabled = false;

        Assert.Empty(Found(Config(send: [Send("Partner", ("partner.test", 1))], rules: [RouteThrough("Partner")]), "rule-missing-connector"));
        Assert.Empty(Found(Config(rules: [RouteThrough("Gone", RuleMode.Test), disabledRule]), "rule-missing-connector"));
    }

    [Fact]
    public void RuleMissingGroup_SaysTheRuleNeverMatches_When_ItsOnlyGroupWasRemoved()
    {
        var group = new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "team@contoso.test" };
        var rule = new TransportRule
        {
            Name = "Team tag",
            Definition =
            {
                Conditions = [new RulePredicate { Kind = "AnyRecipientMemberOf", Values = [Guid.NewGuid().ToString()] }],
                Exceptions = [new RulePredicate { Kind = "AnyRecipientMemberOf", Values = [group.Id.ToString()] }],
                Actions = [new RuleAction { Kind = "StopProcessing" }],
            },
        };

        var warning = Assert.Single(Found(Config(recipients: [group], rules: [rule]), "rule-missing-group"));

        Assert.Contains("condition", warning.Explanation, StringComparison.Ordinal);
        Assert.Contains("never matches", warning.Explanation, StringComparison.Ordinal);
        Assert.Equal(ConfigurationDoctor.RulePath(rule.Id), warning.FixPath);
    }

    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static TlsCertificate Certificate(string name, DateTimeOffset notAfter, string subject = "", params string[] dnsNames) => new()
    {
        Name = name,
        Subject = subject,
        DnsNames = [.. dnsNames],
        NotBefore = notAfter.AddYears(-1),
        NotAfter = notAfter,
    };

    private static ReceiveConnector Presenting(string name, TlsCertificate certificate, string fqdn = "mx.contoso.test") => new()
    {
        Name = name,
        Bindings = [new IpBinding("0.0.0.0", 25)],
        Fqdn = fqdn,
        CertificateId = certificate.Id,
    };

    /// <summary>The doctor's certificate findings on <see cref="Now"/>, for a node announcing node.contoso.test.</summary>
    private static IReadOnlyList<DoctorWarning> CertificateFindings(ReceiveConnector connector, TlsCertificate certificate, string check) =>
        [.. ConfigurationDoctor.Examine(Config(receive: [connector], certificates: [certificate]), new FakeTimeProvider(Now), "node.contoso.test")
            .Where(w => w.Check == check)];

    [Fact]
    public void CertificateExpired_IsCriticalAndLinksToTheCertificates_When_AConnectorPresentsAnExpiredCertificate()
    {
        var certificate = Certificate("MX 2025", Now.AddDays(-3), "CN=mx.contoso.test", "mx.contoso.test");

        var warning = Assert.Single(CertificateFindings(Presenting("Internet", certificate), certificate, "certificate-expired"));

        Assert.Equal(DoctorSeverity.Critical, warning.Severity);
        Assert.Equal("Internet", warning.Subject);
        Assert.Equal("Internet presents the expired certificate MX 2025", warning.Title);
        Assert.Contains("expired on 2026-02-26", warning.Explanation, StringComparison.Ordinal);
        Assert.Equal(ConfigurationDoctor.TlsCertificatesPath, warning.FixPath);
        Assert.Empty(CertificateFindings(Presenting("Internet", certificate), certificate, "certificate-expiring"));
    }

    [Fact]
    public void CertificateExpiring_IsAWarningWithTheDaysLeft_When_FewerThanThirtyDaysRemain()
    {
        var certificate = Certificate("MX 2026", Now.AddDays(12).AddHours(5), "CN=mx.contoso.test", "mx.contoso.test");

        var warning = Assert.Single(CertificateFindings(Presenting("Internet", certificate), certificate, "certificate-expiring"));

        Assert.Equal(DoctorSeverity.Warning, warning.Severity);
        Assert.Equal("The certificate MX 2026 on Internet expires in 12 days", warning.Title);
        Assert.Contains("expires on 2026-03-13", warning.Explanation, StringComparison.Ordinal);
        Assert.Equal(ConfigurationDoctor.TlsCertificatesPath, warning.FixPath);
    }

    [Fact]
    public void CertificateChecks_FindNothing_When_TheCertificateIsValidAndNamesTheConnector()
    {
        var certificate = Certificate("MX", Now.AddDays(31), "CN=mx.contoso.test", "mx.contoso.test", "contoso.test");

        var findings = ConfigurationDoctor.Examine(Config(receive: [Presenting("Internet", certificate)], certificates: [certificate]), new FakeTimeProvider(Now), "node.contoso.test");

        Assert.Empty(findings);
    }

    [Fact]
    public void CertificateChecks_IgnoreTheCertificate_When_TheConnectorIsDisabledOrHasNoTls()
    {
        var certificate = Certificate("Old", Now.AddDays(-1), "CN=old.contoso.test");
        var disabled = Presenting("Disabled", certificate);
        disabled.Enabled = false;
        var clear = Presenting("Clear text", certificate);
        clear.TlsMode = ConnectorTlsMode.None;

        var findings = ConfigurationDoctor.Examine(Config(receive: [disabled, clear], certificates: [certificate]), new FakeTimeProvider(Now), "node.contoso.test");

        Assert.Empty(findings);
    }

    [Fact]
    public void CertificateNameMismatch_NamesConnectorCertificateAndBothNames_When_TheSanDoesNotCoverTheConnectorFqdn()
    {
        var certificate = Certificate("Web", Now.AddYears(1), "CN=mx.contoso.test", "www.contoso.test", "contoso.test");

        var warning = Assert.Single(CertificateFindings(Presenting("Internet", certificate), certificate, "certificate-name-mismatch"));

        Assert.Equal(DoctorSeverity.Warning, warning.Severity);
        Assert.Equal("Internet's certificate Web does not name mx.contoso.test", warning.Title);
        // RFC 6125 section 6.4.4: with SAN DNS names present, the matching CN is not consulted.
        Assert.Contains("is for www.contoso.test, contoso.test", warning.Explanation, StringComparison.Ordinal);
        Assert.Equal(ConfigurationDoctor.ReceiveConnectorsPath, warning.FixPath);
    }

    [Fact]
    public void CertificateNameMismatch_ChecksTheNodeFqdn_When_TheConnectorHasNoneOfItsOwn()
    {
        var certificate = Certificate("MX", Now.AddYears(1), "CN=mx.contoso.test", "mx.contoso.test");

        var warning = Assert.Single(CertificateFindings(Presenting("Default", certificate, fqdn: ""), certificate, "certificate-name-mismatch"));

        Assert.Contains("announces itself as node.contoso.test (the node's FQDN)", warning.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mx.contoso.test", true)]
    [InlineData("MX.Contoso.Test.", true)]
    [InlineData("contoso.test", false)]
    [InlineData("a.mx.contoso.test", false)]
    public void CertificateNameMismatch_TreatsAWildcardSanAsOneLeftMostLabel(string fqdn, bool covered)
    {
        var certificate = Certificate("Wildcard", Now.AddYears(1), "CN=*.contoso.test", "*.contoso.test");

        var findings = CertificateFindings(Presenting("Internet", certificate, fqdn), certificate, "certificate-name-mismatch");

        Assert.Equal(covered, findings.Count == 0);
    }

    [Fact]
    public void CertificateNameMismatch_FallsBackToTheCommonName_When_TheCertificateHasNoSan()
    {
        var matching = Certificate("Legacy", Now.AddYears(1), "CN=mx.contoso.test, O=Contoso");
        var other = Certificate("Other", Now.AddYears(1), "CN=other.contoso.test, O=Contoso");

        Assert.Empty(CertificateFindings(Presenting("Internet", matching), matching, "certificate-name-mismatch"));
        var warning = Assert.Single(CertificateFindings(Presenting("Internet", other), other, "certificate-name-mismatch"));
        Assert.Contains("is for other.contoso.test", warning.Explanation, StringComparison.Ordinal);
    }
}
