using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Wire;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.Authentication;
using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.PublicSuffix;
using Mailflow.Server.Transport.Authentication.Spf;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Tests.Authentication;

/// <summary>The sender-authentication agent on a real receive connector, a MailKit client over loopback and a loopback DNS zone.</summary>
public sealed class SenderAuthenticationWireTests : AuthenticationDnsTest
{
    private const string AuthServId = "mx.local.test";

    public SenderAuthenticationWireTests()
    {
        // The test client connects from 127.0.0.1.
        Zone.Txt("example.com", "v=spf1 ip4:127.0.0.1 -all").Txt("_dmarc.example.com", "v=DMARC1; p=reject");
        Zone.Txt("forged.test", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.forged.test", "v=DMARC1; p=reject");
        Zone.Txt("quarantine.test", "v=spf1 ip4:192.0.2.1 -all").Txt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine");
        Zone.Txt("broken.test", "v=spf1 ip4:192.0.2.1 -all").Rcode("_dmarc.broken.test", 2);
    }

    private SenderAuthenticationAgent Agent()
    {
        var dns = Dns();
        var authenticator = new SenderAuthenticator(
            new SpfEvaluator(dns, TimeProvider.System, AuthServId),
            new DkimSignatureVerifier(dns, TimeProvider.System),
            new DmarcEvaluator(dns, new PublicSuffixListProvider(null, TimeProvider.System)));
        return new SenderAuthenticationAgent(authenticator, Options.Create(new AuthenticationOptions { AuthServId = AuthServId }), Options.Create(new MailflowOptions()));
    }

    private Task<ReceiveHost> StartAsync(SenderAuthenticationMode mode, ReceivePermissionGroups groups = ReceivePermissionGroups.AnonymousUsers) =>
        ReceiveHost.StartAsync([Agent()], ReceiveHost.Connector("Internet", ConnectorTlsMode.None, c =>
        {
            c.SenderAuthentication = mode;
            c.PermissionGroups = groups;
        }));

    private static MimeMessage Message(string from, params (string Name, string Value)[] headers)
    {
        var message = new MimeMessage();
        foreach (var (name, value) in headers)
            message.Headers.Add(name, value);
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("alice@local.test"));
        message.Subject = "auth test";
        message.Body = new TextPart("plain") { Text = "Hello.\n" };
        return message;
    }

    private static async Task SendAsync(ReceiveHost host, MimeMessage message)
    {
        using var client = new SmtpClient { Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", host.Port(), SecureSocketOptions.None);
        try
        {
            await client.SendAsync(message);
        }
        finally
        {
            await client.DisconnectAsync(quit: true);
        }
    }

    private static (MimeMessage Message, IReadOnlyDictionary<string, string> Tags) Stored(ReceiveHost host)
    {
        var stored = Assert.Single(host.Sink.Committed);
        return (MimeMessage.Load(new MemoryStream(stored.Content)), stored.Tags ?? new Dictionary<string, string>());
    }

    [Fact]
    public async Task Evaluate_and_tag_adds_one_authentication_results_header_and_tags()
    {
        await using var host = await StartAsync(SenderAuthenticationMode.EvaluateAndTag);
        await SendAsync(host, Message("alice@example.com"));

        var (message, tags) = Stored(host);
        var results = Assert.Single(message.Headers, h => h.Id == HeaderId.AuthenticationResults);
        Assert.Equal(0, message.Headers.IndexOf(results)); // above our Received: header
        var value = Header.Unfold(results.Value);
        Assert.StartsWith(AuthServId + ";", value);
        Assert.Contains("spf=pass smtp.mailfrom=alice@example.com", value);
        Assert.Contains("dkim=none", value);
        Assert.Contains("dmarc=pass (p=reject dis=none) header.from=example.com", value);
        Assert.Equal("pass", tags[AgentTagNames.SpfResult]);
        Assert.Equal("none", tags[AgentTagNames.DkimResult]);
        Assert.Equal("pass", tags[AgentTagNames.DmarcResult]);
    }

    [Fact]
    public async Task Evaluate_and_tag_accepts_a_dmarc_failure_and_says_so()
    {
        await using var host = await StartAsync(SenderAuthenticationMode.EvaluateAndTag);
        await SendAsync(host, Message("ceo@forged.test"));
        var (message, tags) = Stored(host);
        Assert.Equal("fail", tags[AgentTagNames.SpfResult]);
        Assert.Equal("fail", tags[AgentTagNames.DmarcResult]);
        Assert.Equal("reject", tags[AuthenticationTagNames.DmarcDisposition]);
        Assert.Contains("dmarc=fail", message.Headers[HeaderId.AuthenticationResults]);
    }

    [Fact]
    public async Task Enforce_rejects_a_dmarc_reject_failure_at_end_of_data_with_550_5_7_1()
    {
        await using var host = await StartAsync(SenderAuthenticationMode.Enforce);
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(host, Message("ceo@forged.test")));
        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains("5.7.1", refused.Message + " " + refused.ErrorCode);
        Assert.Contains("forged.test DMARC policy is reject", refused.Message);
        Assert.Empty(host.Sink.Committed);

        // The same connector takes an aligned message.
        await SendAsync(host, Message("alice@example.com"));
        Assert.Equal("pass", Stored(host).Tags[AgentTagNames.DmarcResult]);
    }

    [Fact]
    public async Task Enforce_quarantines_a_dmarc_quarantine_failure()
    {
        await using var host = await StartAsync(SenderAuthenticationMode.Enforce);
        await SendAsync(host, Message("news@quarantine.test"));
        var (_, tags) = Stored(host);
        Assert.Contains("quarantine", tags[AgentTagNames.QuarantineReason]);
    }

    [Fact]
    public async Task Enforce_answers_451_4_7_5_when_dns_fails()
    {
        await using var host = await StartAsync(SenderAuthenticationMode.Enforce);
        var deferred = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(host, Message("someone@broken.test")));
        Assert.Equal(451, (int)deferred.StatusCode);
        Assert.Contains("4.7.5", deferred.Message + " " + SenderAuthenticationAgent.TemporaryFailure.Enhanced);
        Assert.Empty(host.Sink.Committed);
    }

    [Fact]
    public async Task Trusted_relay_is_checked_but_never_refused()
    {
        await using var host = await StartAsync(SenderAuthenticationMode.Enforce, ReceivePermissionGroups.AnonymousUsers | ReceivePermissionGroups.TrustedRelayServers);
        await SendAsync(host, Message("ceo@forged.test"));
        Assert.Equal("fail", Stored(host).Tags[AgentTagNames.DmarcResult]);
    }

    [Fact]
    public async Task Off_adds_nothing()
    {
        await using var host = await StartAsync(SenderAuthenticationMode.Off);
        await SendAsync(host, Message("ceo@forged.test"));
        var (message, tags) = Stored(host);
        Assert.DoesNotContain(message.Headers, h => h.Id == HeaderId.AuthenticationResults);
        Assert.False(tags.ContainsKey(AgentTagNames.SpfResult));
    }

    [Fact]
    public async Task Dkim_signature_passes_on_the_wire_and_an_incoming_header_claiming_our_id_is_removed()
    {
        Zone.Txt("ed._domainkey.signed.test", DkimTestKeys.Record(DkimTestKeys.Ed25519.Value)).Txt("_dmarc.signed.test", "v=DMARC1; p=reject");
        await using var host = await StartAsync(SenderAuthenticationMode.Enforce);
        var message = Message("alice@signed.test", ("Authentication-Results", AuthServId + "; dmarc=pass header.from=signed.test"));
        DkimTestKeys.Sign(message, DkimTestKeys.Ed25519.Value, "signed.test", "ed");
        await SendAsync(host, message);

        var (stored, tags) = Stored(host);
        Assert.Equal("pass", tags[AgentTagNames.DkimResult]);
        Assert.Equal("pass", tags[AgentTagNames.DmarcResult]); // aligned DKIM, though SPF is none
        Assert.Equal("1", tags[AuthenticationTagNames.ForgedResults]);
        // Only our own header is left (the forged one was removed), and removing it did not break the
        // signature's other headers.
        var ours = Header.Unfold(Assert.Single(stored.Headers, h => h.Id == HeaderId.AuthenticationResults).Value);
        Assert.DoesNotContain("dmarc=pass header.from=signed.test", ours);
        Assert.Contains("dkim=pass header.d=signed.test header.s=ed header.a=ed25519-sha256", ours);
    }

    [Fact]
    public void Received_header_fields_are_found_with_their_octets()
    {
        var content = "Received: from a\r\n\tby b\r\nAuthentication-Results: x;\r\n spf=pass\r\nSubject: hi\r\n\r\nbody\r\n"u8;
        var fields = ReceivedHeaderField.Scan(content);
        Assert.Equal(["Received", "Authentication-Results", "Subject"], fields.Select(f => f.Name));
        Assert.Equal("x; spf=pass", fields[1].Value);
        Assert.Equal("Authentication-Results: x;\r\n spf=pass\r\n", System.Text.Encoding.ASCII.GetString(content.Slice((int)fields[1].Offset, fields[1].Length)));
        // A field cut off by the end of the scanned octets is not reported.
        Assert.Equal(["Received"], ReceivedHeaderField.Scan(content[..30]).Select(f => f.Name));
    }

    [Theory]
    [InlineData("mx.local.test; spf=pass", true)]
    [InlineData("MX.LOCAL.TEST;spf=pass", true)]
    [InlineData("(comment) mx.local.test 1; dkim=pass", true)]
    [InlineData("mx.other.test; spf=pass", false)]
    [InlineData("mx.local.test.evil; spf=pass", false)]
    public void Authentication_results_claiming_our_authserv_id_are_recognised(string value, bool ours) =>
        Assert.Equal(ours, AuthenticationResultsHeader.ClaimsToBe(value, AuthServId));
}
