using System.Diagnostics;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>
/// The tarpit against directory harvest (Exchange's TarpitInterval): a refused unknown recipient is
/// answered only after the connector's delay — asynchronously, so other sessions are served meanwhile —
/// and authenticated sessions are never delayed.
/// </summary>
public class UnknownRecipientTarpitWireTests
{
    private static readonly TimeSpan Tarpit = TimeSpan.FromSeconds(2);

    private static ReceiveConnector Connector() => ReceiveHost.Connector("Default", ConnectorTlsMode.None, c =>
    {
        c.TarpitIntervalMilliseconds = (int)Tarpit.TotalMilliseconds;
        c.PermissionGroups = ReceivePermissionGroups.AnonymousUsers | ReceivePermissionGroups.AuthenticatedUsers;
        c.AuthMechanisms = ReceiveAuthMechanisms.BasicAuth;
    });

    [Fact]
    public async Task UnknownRecipient_IsRefusedAfterTheTarpit_WhileAnotherSessionIsServed()
    {
        await using var host = await ReceiveHost.StartAsync(Connector());
        await using var harvester = await RawSmtpClient.ConnectAsync(host.Port());
        await harvester.ExpectAsync("220");
        await harvester.SendAsync("EHLO harvester.test", "250 ");
        await harvester.SendAsync("MAIL FROM:<probe@harvester.test>", "250");
        // Known recipients are not delayed.
        var known = Stopwatch.StartNew();
        await harvester.SendAsync("RCPT TO:<alice@local.test>", "250 2.1.5");
        Assert.True(known.Elapsed < Tarpit, $"a known recipient took {known.Elapsed}");

        var clock = Stopwatch.StartNew();
        await harvester.SendRawAsync("RCPT TO:<guess1@local.test>\r\n");
        var refusal = harvester.ExpectAsync("550 5.1.1");

        // Meanwhile a second session gets its banner, EHLO and a whole message through.
        await using (var other = await RawSmtpClient.ConnectAsync(host.Port()))
        {
            await other.ExpectAsync("220");
            await other.SendAsync("EHLO friend.test", "250 ");
            await other.SendAsync("MAIL FROM:<friend@remote.test>", "250");
            await other.SendAsync("RCPT TO:<bob@local.test>", "250");
            await other.SendAsync("DATA", "354");
            await other.SendAsync("Subject: meanwhile\r\n\r\nhi\r\n.", "250 2.6.0");
            Assert.False(refusal.IsCompleted, $"the tarpitted refusal came before the other session was served ({clock.Elapsed})");
            Assert.True(clock.Elapsed < Tarpit, $"the other session took {clock.Elapsed}");
        }

        await refusal;
        clock.Stop();
        Assert.InRange(clock.Elapsed, Tarpit - TimeSpan.FromMilliseconds(100), Tarpit + TimeSpan.FromSeconds(8));
        Assert.Single(host.Sink.Committed);
        Assert.Contains(host.ProtocolLog.Entries, e => e.Text == "tarpit: 2 s before 550 5.1.1");
    }

    [Fact]
    public async Task UnknownRecipient_ForAnAuthenticatedSession_IsRefusedAtOnce()
    {
        await using var host = await ReceiveHost.StartAsync(Connector());
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO laptop.test", "250 ");
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}"));
        await client.SendAsync($"AUTH PLAIN {credentials}", "235");
        await client.SendAsync($"MAIL FROM:<{FakeAuthenticator.User}>", "250");

        var clock = Stopwatch.StartNew();
        await client.SendAsync("RCPT TO:<typo@local.test>", "550 5.1.1");
        clock.Stop();

        Assert.True(clock.Elapsed < Tarpit - TimeSpan.FromMilliseconds(500), $"the refusal took {clock.Elapsed}");
        Assert.DoesNotContain(host.ProtocolLog.Entries, e => e.Text.StartsWith("tarpit", StringComparison.Ordinal));
    }
}
