using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Route;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// DKIM signing on the way out: keys generated through the configuration service on a real store,
/// a message delivered over SMTP to a loopback server, and the signatures checked by an independent
/// verifier (Debian's python3-dkim, installed by test.sh) and by our own.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DkimSigningTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly AdminActor Admin = new("dkim-admin", new HashSet<string> { Mailflow.Identity.AdminRoles.OrganizationManagement });

    private readonly TestStores _stores = new(postgres);
    private DeliveryNode _node = null!;
    private LoopbackSmtpServer _server = null!;
    private string _hop = "";

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(DatabaseProvider provider)
    {
        _server = LoopbackSmtpServer.Start();
        _node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider));
        _hop = $"smarthost:{await _node.CreateSmartHostConnectorAsync("Loopback relay", _server.Host, _server.Port)}";
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
        _stores.Dispose();
    }

    private static byte[] Outgoing(string from) => Encoding.UTF8.GetBytes(
        $"From: Alice <{from}>\r\nTo: bob@remote.test\r\nCc: carol@remote.test\r\nSubject: Signed on the way out\r\n" +
        "Date: Mon, 07 Dec 2026 06:00:00 +0000\r\nMessage-ID: <dkim-1@mailflow.test>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Mailflow.\r\n\r\n");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Delivered_message_carries_rsa_and_ed25519_signatures_that_python_dkim_verifies(DatabaseProvider provider)
    {
        await StartAsync(provider);
        var keys = _node.Get<DkimKeyService>();
        var rsa = await keys.GenerateAsync(Admin, "mailflow.test", "mf-rsa", DkimKeyAlgorithm.Rsa2048, enabled: true);
        var ed = await keys.GenerateAsync(Admin, "mailflow.test", "mf-ed", DkimKeyAlgorithm.Ed25519, enabled: true);
        // The private key is stored encrypted: its PKCS#8 bytes never appear in the row.
        await using (var db = await _node.CreateDbContextAsync())
            Assert.All(await db.DkimSigningKeys.ToListAsync(), k => Assert.True(k.ProtectedPrivateKey.Length > 64));
        await _node.WaitForLatestGenerationAsync();

        await _node.StartManagerAsync();
        var queueId = await _node.EnqueueAsync(Outgoing("alice@mailflow.test"), "alice@mailflow.test",
            [("bob@remote.test", DsnNotify.Unspecified, null)], _ => _hop, authenticatedAs: "alice@mailflow.test");
        await _node.WaitProcessedAsync(queueId);
        var delivered = Assert.Single(await _server.WaitForMessagesAsync(1)).Data;

        var records = new Dictionary<string, string> { [rsa.DnsRecordName] = rsa.DnsRecordValue, [ed.DnsRecordName] = ed.DnsRecordValue };
        Assert.Equal(["True", "True"], await DkimPython.VerifyAsync(delivered, records));

        // Our own verifier agrees, through DNS.
        await using var zone = new LoopbackDnsServer();
        foreach (var (name, value) in records)
            zone.Txt(name, value);
        var verifier = new DkimSignatureVerifier(new AuthenticationDns(MxResolver.CreateClient(new DnsOptions { Servers = [zone.EndPoint.ToString()] })), TimeProvider.System);
        var results = await verifier.VerifyAsync(MimeMessage.Load(new MemoryStream(delivered)), CancellationToken.None);
        Assert.Equal([("mf-ed", DkimResult.Pass), ("mf-rsa", DkimResult.Pass)], results.Select(r => (r.Selector, r.Result)).Order());

        // Over-signing: a Subject added above the signed one breaks both signatures.
        var tampered = Encoding.UTF8.GetBytes("Subject: Pay this invoice\r\n" + Encoding.UTF8.GetString(delivered));
        Assert.Equal(["False", "False"], await DkimPython.VerifyAsync(tampered, records));
    }

    [Fact]
    public async Task Only_mail_we_vouch_for_is_signed_and_only_with_enabled_keys()
    {
        await StartAsync(DatabaseProvider.Sqlite);
        var keys = _node.Get<DkimKeyService>();
        var key = await keys.GenerateAsync(Admin, "mailflow.test", "mf1", DkimKeyAlgorithm.Ed25519);
        await _node.WaitForLatestGenerationAsync();
        var signer = _node.Get<IOutboundMessageSigner>();
        MimeMessage Parse() => MimeMessage.Load(new MemoryStream(Outgoing("alice@mailflow.test")));
        var authenticated = new QueuedMessage { AuthenticatedAs = "alice@mailflow.test", ReceiveConnectorId = Guid.NewGuid() };
        Assert.Empty(signer.Sign(authenticated, Parse())); // disabled

        await keys.SetEnabledAsync(Admin, key.Id, key.Revision, true);
        await _node.WaitForLatestGenerationAsync();
        Assert.Equal(["mf1._domainkey.mailflow.test"], signer.Sign(authenticated, Parse()));
        // Anonymous mail from the Internet claiming our domain is not signed.
        Assert.Empty(signer.Sign(new QueuedMessage { ReceiveConnectorId = Guid.NewGuid() }, Parse()));
        // Mail Mailflow writes itself (DSNs, DMARC aggregate reports) comes from the generator's connector id and is signed.
        var generated = new QueuedMessage { ReceiveConnectorId = Mailflow.Server.Transport.Notify.DeliveryNotifier.SubmissionConnectorId, Origin = MessageOrigin.Notification };
        Assert.Equal(["mf1._domainkey.mailflow.test"], signer.Sign(generated, Parse()));
        // A subdomain signs with its parent's key; another domain does not.
        Assert.Single(signer.Sign(authenticated, MimeMessage.Load(new MemoryStream(Outgoing("news@eu.mailflow.test")))));
        Assert.Empty(signer.Sign(authenticated, MimeMessage.Load(new MemoryStream(Outgoing("alice@other.test")))));
    }

    [Fact]
    public async Task Keys_only_for_accepted_domains_and_unique_selectors()
    {
        await StartAsync(DatabaseProvider.Sqlite);
        var keys = _node.Get<DkimKeyService>();
        var notOurs = await Assert.ThrowsAsync<ConfigurationValidationException>(() => keys.GenerateAsync(Admin, "gmail.com", "s1", DkimKeyAlgorithm.Rsa2048));
        Assert.Contains("not an accepted domain", notOurs.Message);
        await keys.GenerateAsync(Admin, "mailflow.test", "s1", DkimKeyAlgorithm.Ed25519);
        await Assert.ThrowsAsync<ConfigurationValidationException>(() => keys.GenerateAsync(Admin, "mailflow.test", "s1", DkimKeyAlgorithm.Rsa2048));
        await Assert.ThrowsAsync<ConfigurationValidationException>(() => keys.GenerateAsync(Admin, "mailflow.test", "bad selector!", DkimKeyAlgorithm.Rsa2048));
    }
}
