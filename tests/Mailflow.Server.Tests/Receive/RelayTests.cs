using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Server.Tests.Receive;

public class RelayTests
{
    /// <summary>Every address trick an anonymous client might use to relay through local.test.</summary>
    [Theory]
    [InlineData("<user@remote.test>", "550 5.7.54")]
    [InlineData("<USER@REMOTE.TEST>", "550 5.7.54")]
    [InlineData("<user%remote.test@local.test>", "550 5.7.54")]
    [InlineData("<alice%remote.test@LOCAL.TEST>", "550 5.7.54")]
    [InlineData("<\"user@remote.test\"@local.test>", "550 5.7.54")]
    [InlineData("<\"user%remote.test\"@local.test>", "550 5.7.54")]
    [InlineData("<remote.test!user@local.test>", "550 5.7.54")]
    [InlineData("<user%remote.test@internal.test>", "550 5.7.54")]
    [InlineData("<remote.test!user@partner.test>", "550 5.7.54")]
    [InlineData("<@local.test:user@remote.test>", "550 5.7.54")]
    [InlineData("<@local.test,@mx.local.test:user@remote.test>", "550 5.7.54")]
    [InlineData("<alice@[192.0.2.1]>", "550 5.7.54")]
    [InlineData("<alice@[IPv6:2001:db8::1]>", "550 5.7.54")]
    [InlineData("<alice@local.test.remote.test>", "550 5.7.54")]
    [InlineData("<alice@sub.local.test>", "550 5.7.54")]
    [InlineData("<user@remote.test@local.test>", "501 5.1.3")]
    [InlineData("<alice@local.test.>", "501 5.1.3")]
    [InlineData("<user@remote.test.>", "501 5.1.3")]
    [InlineData("<alice@local..test>", "501 5.1.3")]
    [InlineData("<nobody@local.test>", "550 5.1.1")]
    public async Task Rcpt_WhenAnonymousClientUsesAddressTrick_IsRefused(string path, string expect)
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<sender@remote.test>", "250");
        await s.SendAsync($"RCPT TO:{path}", expect);
    }

    [Theory]
    [InlineData("<alice@local.test>")]
    [InlineData("<ALICE@Local.Test>")]
    [InlineData("<\"alice\"@local.test>")]
    [InlineData("<@remote.test:alice@local.test>")]
    [InlineData("<anyone@internal.test>")]
    [InlineData("<anyone@partner.test>")]
    [InlineData("<Postmaster>")]
    public async Task Rcpt_WhenAnonymousClientAddressesAcceptedDomain_IsAccepted(string path)
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<sender@remote.test>", "250");
        await s.SendAsync($"RCPT TO:{path}", "250 2.1.5");
    }

    [Theory]
    [InlineData("<user@remote.test>")]
    [InlineData("<user%remote.test@local.test>", false)]
    [InlineData("<remote.test!user@internal.test>")]
    [InlineData("<alice@[192.0.2.1]>")]
    public async Task Rcpt_WhenConnectorIsTrustedRelay_RelaysAnywhere(string path, bool accepted = true)
    {
        var policy = SessionScript.DefaultPolicy with { PermissionGroups = ReceivePermissionGroups.TrustedRelayServers };
        await using var s = await SessionScript.StartAsync(policy);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<app@anything.test>", "250");
        // A trusted relay may route anywhere, but an authoritative domain still needs the mailbox.
        await s.SendAsync($"RCPT TO:{path}", accepted ? "250 2.1.5" : "550 5.1.1");
    }

    [Fact]
    public async Task Rcpt_WhenDirectoryFails_Returns451()
    {
        await using var s = await SessionScript.StartAsync(authority: new FakeAddressAuthority { Fail = true });
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<sender@remote.test>", "250");
        await s.SendAsync("RCPT TO:<alice@local.test>", "451 4.3.0");
    }

    public static TheoryData<ReceiveRights, string, string?> Decisions => new()
    {
        { ReceiveRights.None, "alice@local.test", "550 5.7.54" },
        { ReceiveRights.SubmitToAcceptedDomains, "alice@local.test", null },
        { ReceiveRights.SubmitToAcceptedDomains, "carol@local.test", "550 5.1.1" },
        { ReceiveRights.SubmitToAcceptedDomains, "x@remote.test", "550 5.7.54" },
        { ReceiveRights.RelayToAnyDomain, "x@remote.test", null },
        { ReceiveRights.RelayToAnyDomain, "carol@local.test", "550 5.1.1" },
        { ReceiveRights.SubmitToAcceptedDomains | ReceiveRights.RelayToAnyDomain, "x%y@internal.test", null },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public async Task Decide_WhenRightsAndDomainCombine_ReturnsExpectedVerdict(ReceiveRights rights, string address, string? expected)
    {
        var at = address.LastIndexOf('@');
        var recipient = new SmtpAddress(address[..at], address[(at + 1)..], false, false);
        var verdict = await RelayDecision.DecideAsync(recipient, rights, new FakeAddressAuthority(), CancellationToken.None);
        Assert.Equal(expected, verdict is null ? null : $"{verdict.Code} {verdict.Enhanced}");
    }

    [Theory]
    [InlineData(ReceivePermissionGroups.AnonymousUsers, false, ReceiveRights.SubmitToAcceptedDomains)]
    [InlineData(ReceivePermissionGroups.AnonymousUsers, true, ReceiveRights.SubmitToAcceptedDomains)]
    [InlineData(ReceivePermissionGroups.AuthenticatedUsers, false, ReceiveRights.None)]
    public void RightsFor_WhenGroupsGiven_FollowsThePermissionTable(ReceivePermissionGroups groups, bool authenticated, ReceiveRights expected)
    {
        var policy = SessionScript.DefaultPolicy with { PermissionGroups = groups };
        Assert.Equal(expected, policy.RightsFor(authenticated));
    }
}
