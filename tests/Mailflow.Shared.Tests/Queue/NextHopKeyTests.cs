using Mailflow.Configuration;
using Mailflow.Queue;

namespace Mailflow.Shared.Tests.Queue;

public sealed class NextHopKeyTests
{
    private static readonly Guid ConnectorId = Guid.Parse("3b6648c9-1111-4222-8333-444455556666");

    public static TheoryData<NextHopKey, string> Keys => new()
    {
        { NextHopKey.Maildir, "local:maildir" },
        { NextHopKey.Unreachable, "unreachable" },
        { NextHopKey.Lmtp("MailStore.Contoso.com", 24), "lmtp:mailstore.contoso.com:24" },
        { NextHopKey.Lmtp("::1", 2424), "lmtp:[::1]:2424" },
        { NextHopKey.LmtpSocket("unix:/run/dovecot/lmtp"), "lmtp:unix:/run/dovecot/lmtp" },
        { NextHopKey.MailboxSmtp("10.0.0.5", 25), "mailbox-smtp:10.0.0.5:25" },
        { NextHopKey.MailboxSmtp("10.0.0.5", 25, requireTls: true), "mailbox-smtp:10.0.0.5:25:requiretls" },
        { NextHopKey.Mx(ConnectorId, "Fabrikam.example"), "smtp:3b6648c9-1111-4222-8333-444455556666:fabrikam.example" },
        { NextHopKey.Mx(ConnectorId, "fabrikam.example", requireTls: true), "smtp:3b6648c9-1111-4222-8333-444455556666:fabrikam.example:requiretls" },
        { NextHopKey.SmartHost(ConnectorId), "smarthost:3b6648c9-1111-4222-8333-444455556666" },
        { NextHopKey.SmartHost(ConnectorId, requireTls: true), "smarthost:3b6648c9-1111-4222-8333-444455556666:requiretls" },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Format_WritesTheStoredForm_AndTryParseReadsItBack(NextHopKey key, string text)
    {
        Assert.Equal(text, key.Format());
        Assert.True(NextHopKey.TryParse(text, out var parsed));
        Assert.Equal(key, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("smarthost:not-a-guid")]
    [InlineData("smtp:3b6648c9-1111-4222-8333-444455556666:")]
    [InlineData("lmtp:host")]
    [InlineData("lmtp:host:99999")]
    [InlineData("local:maildir:requiretls")]
    [InlineData("carrier-pigeon:coop")]
    public void TryParse_RefusesWhatIsNotAKey(string text) => Assert.False(NextHopKey.TryParse(text, out _));

    [Fact]
    public void TryParse_ReadsAnUnbracketedIpv6HostAsEarlierVersionsStoredIt()
    {
        Assert.True(NextHopKey.TryParse("lmtp:::1:24", out var key));
        Assert.Equal(("::1", 24), (key.Host, key.Port));
    }

    [Fact]
    public void IsLocal_OnlyForMaildirAndLmtp()
    {
        Assert.True(NextHopKey.Maildir.IsLocal);
        Assert.True(NextHopKey.Lmtp("h", 24).IsLocal);
        Assert.False(NextHopKey.SmartHost(ConnectorId).IsLocal);
        Assert.False(NextHopKey.MailboxSmtp("h", 25).IsLocal);
    }

    private static TransportConfig Config(params SendConnector[] connectors) =>
        new(1, DateTimeOffset.UnixEpoch, [], [], connectors, [
            new Recipient { PrimaryAddress = "bob@contoso.com", DeliveryKind = MailboxDeliveryKind.Lmtp, DeliveryTarget = "mailstore.contoso.com" },
        ], [], new OrganizationSettings());

    [Fact]
    public void Describe_NamesTheSendConnectorAndItsSmartHosts_NeverTheGuid()
    {
        var connector = new SendConnector { Id = ConnectorId, Name = "Outbound through Contoso's regional relay", Enabled = true, RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = ["relay1.contoso.com", "relay2.contoso.com:2525"] };

        var name = NextHopDisplay.Describe(NextHopKey.SmartHost(ConnectorId).Format(), Config(connector));

        Assert.Equal("Outbound through Contoso's regional relay — smart hosts relay1.contoso.com, relay2.contoso.com:2525", name.Text);
        Assert.DoesNotContain("3b6648c9", name.Text);
    }

    [Fact]
    public void Describe_MxRouteNamesTheDomain_AndTheLmtpServerNamesItsMailbox()
    {
        var connector = new SendConnector { Id = ConnectorId, Name = "Internet", Enabled = true, RoutingMethod = SendRoutingMethod.DnsMx };
        var config = Config(connector);

        Assert.Equal("Internet — MX of fabrikam.example (TLS required by a rule)", NextHopDisplay.Describe(NextHopKey.Mx(ConnectorId, "fabrikam.example", true).Format(), config).Text);
        Assert.Equal("LMTP mailstore.contoso.com:24 — for bob@contoso.com", NextHopDisplay.Describe("lmtp:mailstore.contoso.com:24", config).Text);
        Assert.Equal("Local mailboxes", NextHopDisplay.Describe("local:maildir", config).Name);
        Assert.Equal("Unreachable", NextHopDisplay.Describe("unreachable", config).Name);
        Assert.Equal("Deleted send connector", NextHopDisplay.Describe(NextHopKey.SmartHost(Guid.NewGuid()).Format(), config).Name);
        Assert.Equal(NextHopDisplay.SubmissionName, NextHopDisplay.Describe(null, config).Name);
    }
}
