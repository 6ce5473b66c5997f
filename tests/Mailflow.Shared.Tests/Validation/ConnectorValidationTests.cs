using Mailflow.Configuration;

namespace Mailflow.Shared.Tests.Validation;

public sealed class ConnectorValidationTests
{
    private static ReceiveConnector ValidReceive() => new()
    {
        Name = "Partners",
        Bindings = [new IpBinding("0.0.0.0", 2525)],
        RemoteIpRanges = ["10.0.0.0/8"],
        PermissionGroups = ReceivePermissionGroups.AnonymousUsers,
    };

    [Fact]
    public void ReceiveConnector_HasNoErrors_When_SettingsAreValid() =>
        Assert.True(ReceiveConnectorService.ValidateFields(ValidReceive()).IsEmpty);

    [Fact]
    public void ReceiveConnector_ExplainsBadRange_When_CidrPrefixIsTooLong()
    {
        var c = ValidReceive();
        c.RemoteIpRanges = ["10.0.0.0/33"];
        Assert.Contains("10.0.0.0/33 is not a valid CIDR range", Assert.Single(ReceiveConnectorService.ValidateFields(c).For(nameof(c.RemoteIpRanges))));
    }

    [Theory]
    [InlineData("0.0.0.0", 0, "Port 0 is out of range")]
    [InlineData("0.0.0.0", 70000, "Port 70000 is out of range")]
    [InlineData("mail.contoso.com", 25, "is not an IP address")]
    public void ReceiveConnector_RefusesBinding_When_AddressOrPortIsInvalid(string address, int port, string messagePart)
    {
        var c = ValidReceive();
        c.Bindings = [new IpBinding(address, port)];
        Assert.Contains(ReceiveConnectorService.ValidateFields(c).For(nameof(c.Bindings)), m => m.Contains(messagePart));
    }

    [Fact]
    public void ReceiveConnector_RequiresTls_When_BasicAuthOnlyAfterTlsWithoutTlsMode()
    {
        var c = ValidReceive();
        c.TlsMode = ConnectorTlsMode.None;
        c.AuthMechanisms = ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls;
        Assert.Contains(ReceiveConnectorService.ValidateFields(c).For(nameof(c.AuthMechanisms)), m => m.Contains("needs TLS"));
    }

    [Fact]
    public void ReceiveConnector_RequiresBasicAuth_When_AuthenticatedUsersMayConnect()
    {
        var c = ValidReceive();
        c.PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers;
        c.AuthMechanisms = ReceiveAuthMechanisms.Tls;
        Assert.Contains(ReceiveConnectorService.ValidateFields(c).For(nameof(c.AuthMechanisms)), m => m.Contains("basic authentication"));
    }

    [Fact]
    public void ReceiveConnector_RefusesMultiLineBanner()
    {
        var c = ValidReceive();
        c.Banner = "hello\r\n250 injected";
        Assert.NotEmpty(ReceiveConnectorService.ValidateFields(c).For(nameof(c.Banner)));
    }

    [Fact]
    public void ReceiveRights_AuthenticatedUsersRelayOnlyAfterAuthentication()
    {
        var groups = ReceivePermissionGroups.AnonymousUsers | ReceivePermissionGroups.AuthenticatedUsers;
        Assert.False(ReceivePermissions.RightsFor(groups, authenticated: false).HasFlag(ReceiveRights.RelayToAnyDomain));
        Assert.True(ReceivePermissions.RightsFor(groups, authenticated: false).HasFlag(ReceiveRights.SubmitToAcceptedDomains));
        Assert.True(ReceivePermissions.RightsFor(groups, authenticated: true).HasFlag(ReceiveRights.RelayToAnyDomain));
        Assert.True(ReceivePermissions.RightsFor(ReceivePermissionGroups.TrustedRelayServers, authenticated: false).HasFlag(ReceiveRights.RelayToAnyDomain));
    }

    private static SendConnector ValidSend() => new()
    {
        Name = "Internet",
        AddressSpaces = [new AddressSpace("*", 1)],
    };

    [Fact]
    public void SendConnector_HasNoErrors_When_SettingsAreValid() =>
        Assert.True(SendConnectorService.ValidateFields(ValidSend()).IsEmpty);

    [Theory]
    [InlineData("contoso..com")]
    [InlineData("*contoso.com")]
    [InlineData("**")]
    public void SendConnector_RefusesAddressSpace_When_PatternIsInvalid(string space)
    {
        var c = ValidSend();
        c.AddressSpaces = [new AddressSpace(space)];
        Assert.Contains(SendConnectorService.ValidateFields(c).For(nameof(c.AddressSpaces)), m => m.Contains("is not an address space"));
    }

    [Fact]
    public void SendConnector_RequiresSmartHosts_When_RoutingThroughSmartHosts()
    {
        var c = ValidSend();
        c.RoutingMethod = SendRoutingMethod.SmartHost;
        Assert.NotEmpty(SendConnectorService.ValidateFields(c).For(nameof(c.SmartHosts)));
        c.SmartHosts = ["relay.contoso.com:587", "[2001:db8::1]:25", "192.0.2.1"];
        Assert.Empty(SendConnectorService.ValidateFields(c).For(nameof(c.SmartHosts)));
        c.SmartHosts = ["relay.contoso.com:99999"];
        Assert.Contains(SendConnectorService.ValidateFields(c).For(nameof(c.SmartHosts)), m => m.Contains("is not a smart host"));
    }

    [Fact]
    public void SendConnector_RequiresTls_When_SendingBasicAuthCredentials()
    {
        var c = ValidSend();
        c.RoutingMethod = SendRoutingMethod.SmartHost;
        c.SmartHosts = ["relay.contoso.com"];
        c.SmartHostAuthentication = SmartHostAuthentication.Basic;
        c.SmartHostUsername = "relay-user";
        c.SmartHostPasswordProtected = "protected";
        Assert.Contains(SendConnectorService.ValidateFields(c).For(nameof(c.TlsPolicy)), m => m.Contains("clear text"));
        // Issue 13, finding 7: TLS without certificate validation hands the password to any interceptor.
        c.TlsPolicy = OutboundTlsPolicy.Required;
        Assert.Contains(SendConnectorService.ValidateFields(c).For(nameof(c.TlsPolicy)), m => m.Contains("certificate validation"));
        c.TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation;
        Assert.True(SendConnectorService.ValidateFields(c).IsEmpty);
    }

    [Theory]
    [InlineData("*", "contoso.com", 0)]
    [InlineData("contoso.com", "contoso.com", 1000)]
    [InlineData("contoso.com", "mail.contoso.com", -1)]
    [InlineData("*.contoso.com", "mail.contoso.com", 4)]
    [InlineData("*.contoso.com", "fabrikam.com", -1)]
    public void AddressSpace_MatchSpecificity_PrefersExactThenNearestWildcardThenStar(string space, string domain, int expected) =>
        Assert.Equal(expected, AddressSpaceRules.MatchSpecificity(space, domain));

    [Fact]
    public void AddressSpace_MoreSpecificWildcardOutranksLessSpecific() =>
        Assert.True(AddressSpaceRules.MatchSpecificity("*.eu.contoso.com", "mail.eu.contoso.com") > AddressSpaceRules.MatchSpecificity("*.contoso.com", "mail.eu.contoso.com"));
}
