using Mailflow.Configuration;
using Mailflow.Configuration.Doctor;

namespace Mailflow.Shared.Tests.Validation;

/// <summary>OAuth submission's settings: the issuer, audience and claim are checked next to their fields; a connector offers OAuth only with TLS; the doctor notices OAuth without an issuer.</summary>
public sealed class OAuthSettingsValidationTests
{
    [Theory]
    [InlineData("http://login.contoso.test")]
    [InlineData("login.contoso.test")]
    [InlineData("https://login.contoso.test/?tenant=1")]
    public void Issuer_MustBeAnHttpsUrl(string issuer)
    {
        var settings = new OrganizationSettings { OAuthIssuer = issuer, OAuthAudience = "api://mailflow" };
        Assert.Single(OrganizationSettingsService.ValidateFields(settings).For(nameof(settings.OAuthIssuer)));
    }

    [Fact]
    public void AnIssuer_NeedsAnAudience_AndAKnownClaim_AndASaneSkew()
    {
        var settings = new OrganizationSettings { OAuthIssuer = "https://login.contoso.test/tenant/v2.0", OAuthAddressClaim = "sub", OAuthClockSkewSeconds = 3600 };
        var errors = OrganizationSettingsService.ValidateFields(settings);
        Assert.Single(errors.For(nameof(settings.OAuthAudience)));
        Assert.Contains("preferred_username", Assert.Single(errors.For(nameof(settings.OAuthAddressClaim))));
        Assert.Single(errors.For(nameof(settings.OAuthClockSkewSeconds)));
        settings.OAuthAudience = "api://mailflow";
        settings.OAuthAddressClaim = OAuthAddressClaims.Upn;
        settings.OAuthClockSkewSeconds = 60;
        Assert.True(OrganizationSettingsService.ValidateFields(settings).IsEmpty);
    }

    [Fact]
    public void JournalingReportNdrTo_MustBeAnAddress_WhenSet()
    {
        var settings = new OrganizationSettings { JournalingReportNdrTo = "not an address" };
        Assert.Single(OrganizationSettingsService.ValidateFields(settings).For(nameof(settings.JournalingReportNdrTo)));
        settings.JournalingReportNdrTo = "";
        Assert.True(OrganizationSettingsService.ValidateFields(settings).IsEmpty);
    }

    [Fact]
    public void AConnector_OffersOAuth_OnlyWithTls_AndOAuthLetsAuthenticatedUsersIn()
    {
        var connector = new ReceiveConnector
        {
            Name = "Clients", Bindings = [new IpBinding("0.0.0.0", 587)], PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
            AuthMechanisms = ReceiveAuthMechanisms.OAuth, TlsMode = ConnectorTlsMode.None,
        };
        Assert.Contains(ReceiveConnectorService.ValidateFields(connector).For(nameof(connector.AuthMechanisms)), m => m.Contains("OAuth is only offered over TLS", StringComparison.Ordinal));
        connector.TlsMode = ConnectorTlsMode.StartTls;
        Assert.True(ReceiveConnectorService.ValidateFields(connector).IsEmpty);
    }

    [Fact]
    public void Doctor_Warns_WhenAConnectorOffersOAuthWithoutAnIssuer()
    {
        var connector = new ReceiveConnector
        {
            Name = "Clients", Bindings = [new IpBinding("0.0.0.0", 587)], PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
            AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.OAuth, TlsMode = ConnectorTlsMode.StartTls,
        };
        var without = new TransportConfig(1, DateTimeOffset.UtcNow, [], [connector], [], [], [], new OrganizationSettings());
        Assert.Contains(ConfigurationDoctor.Examine(without, TimeProvider.System), w => w.Check == "oauth-without-issuer");
        var with = new TransportConfig(1, DateTimeOffset.UtcNow, [], [connector], [], [], [], new OrganizationSettings { OAuthIssuer = "https://login.contoso.test", OAuthAudience = "api://mailflow" });
        Assert.DoesNotContain(ConfigurationDoctor.Examine(with, TimeProvider.System), w => w.Check == "oauth-without-issuer");
    }
}
