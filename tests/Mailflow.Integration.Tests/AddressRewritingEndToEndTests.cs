using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Mailflow.WhatIf;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Address rewriting over SMTP on both stores: mailboxes live in corp.contoso.test, the world knows
/// them as contoso.test. Outbound, what reaches the loopback remote carries contoso.test in MAIL FROM
/// and the address fields, DKIM-signed over the rewritten fields; inbound, mail to the contoso.test
/// form is delivered to the corp.contoso.test mailbox with its To field rewritten back; the exception
/// (the CEO) is left alone both ways; each rewrite is in the message trace.
/// </summary>
public sealed class AddressRewritingEndToEndTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Internal = "corp.contoso.test";
    private const string External = MailflowHost.DefaultDomain;
    private readonly TestStores stores = new(postgres);

    private async Task<(MailflowHost Host, DkimSigningKey Key)> StartAsync(DatabaseProvider provider, LoopbackSmtpServer remote)
    {
        var host = MailflowHost.Start(await stores.CreateAsync(provider));
        await host.Get<AcceptedDomainService>().CreateAsync(Admin, new AcceptedDomain { DomainName = Internal });
        var recipients = host.Get<RecipientService>();
        foreach (var name in new[] { "bob", "alice", "ceo" })
        {
            var mailbox = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"{name}@{Internal}" });
            await recipients.SetSubmissionPasswordAsync(Admin, mailbox.Id, mailbox.Revision, $"{name}-submission-pass");
        }
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        await host.Get<AddressRewriteService>().CreateAsync(Admin, new AddressRewriteEntry
        {
            Name = "Corp to contoso", InternalAddress = Internal, ExternalAddress = External, ExceptionList = [$"ceo@{Internal}"],
        });
        var key = await host.Get<DkimKeyService>().GenerateAsync(Admin, External, "rw2026", DkimKeyAlgorithm.Rsa2048, enabled: true);
        await host.WaitForLatestGenerationAsync();
        return (host, key);
    }

    private static async Task SubmitAsync(MailflowHost host, string user, MimeMessage message)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(user, user[..user.IndexOf('@')] + "-submission-pass");
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Outbound_SenderAndAddressFieldsCarryTheExternalForm_SignedAfterRewriting_LocalCopyUnchanged(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        var (host, key) = await StartAsync(provider, remote);
        await using var _ = host;

        await SubmitAsync(host, $"bob@{Internal}", new MimeMessage
        {
            From = { new MailboxAddress("Bob Lee", $"bob@{Internal}") },
            ReplyTo = { MailboxAddress.Parse($"bob@{Internal}") },
            To = { MailboxAddress.Parse("carol@fabrikam.test") },
            Cc = { new MailboxAddress("Alice", $"alice@{Internal}") },
            Subject = "Offer",
            Body = new TextPart("plain") { Text = "See you." },
        });

        var delivered = Assert.Single(await remote.WaitForMessagesAsync(1, Patience));
        Assert.Equal($"bob@{External}", delivered.Sender);
        Assert.Equal(["carol@fabrikam.test"], delivered.Recipients);
        var message = MimeMessage.Load(new MemoryStream(delivered.Data));
        var from = Assert.Single(message.From.Mailboxes);
        Assert.Equal(("Bob Lee", $"bob@{External}"), (from.Name, from.Address));
        Assert.Equal([$"bob@{External}"], message.ReplyTo.Mailboxes.Select(m => m.Address));
        Assert.Equal([$"alice@{External}"], message.Cc.Mailboxes.Select(m => m.Address));
        Assert.DoesNotContain(Internal, string.Join("\n", message.Headers.Where(h => h.Id is HeaderId.From or HeaderId.ReplyTo or HeaderId.To or HeaderId.Cc).Select(h => h.Value)));
        // Signed by the external domain's key over the rewritten fields: a verifier with the published key agrees.
        var signature = message.Headers.First(h => h.Id == HeaderId.DkimSignature);
        Assert.Contains($"d={External}", signature.Value);
        var publicKey = PublicKeyFactory.CreateKey(Convert.FromBase64String(key.PublicKey));
        Assert.True(await new DkimVerifier(new OneKey(publicKey)).VerifyAsync(message, signature));

        // Alice, in the organization, gets the message as it was written.
        var local = Assert.Single(await WaitForMaildirAsync(host, $"alice@{Internal}", 1));
        Assert.Contains($"From: Bob Lee <bob@{Internal}>", await File.ReadAllTextAsync(local));

        var details = await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Agent && e.Detail!.StartsWith("Address rewriting (outbound)"));
        Assert.Contains($"MAIL FROM: rewritten bob@{Internal} → bob@{External} by address rewriting entry 'Corp to contoso'", details);
        Assert.Contains($"Cc: rewritten alice@{Internal} → alice@{External}", details);

        // Test mail flow says the same, from the same code.
        var test = await host.Get<IMailFlowTester>().TestAsync(new MailFlowTestRequest
        {
            Sender = $"bob@{Internal}", Recipients = ["carol@fabrikam.test"], ReceiveConnector = "Client Frontend", Authenticated = true,
        });
        var line = Assert.Single(test.AddressRewrites);
        Assert.StartsWith("Leaving the organization (to carol@fabrikam.test), before DKIM signing: MAIL FROM: rewritten bob@corp.contoso.test → bob@contoso.test", line);
        Assert.Contains("From: rewritten", line);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Inbound_MailToTheExternalFormReachesTheInternalMailbox_AndTheExceptionIsLeftAlone(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        var (host, _) = await StartAsync(provider, remote);
        await using var __ = host;
        // Bob is also known by an address in a domain this server does not accept.
        await host.Get<AddressRewriteService>().CreateAsync(Admin, new AddressRewriteEntry
        {
            Name = "Bob abroad", InternalAddress = $"bob@{Internal}", ExternalAddress = "bob@contoso.example", OutboundOnly = false,
        });
        await host.WaitForLatestGenerationAsync();

        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            // The CEO is excepted: ceo@contoso.test is not rewritten back, and nobody has that address.
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Letter($"ceo@{External}")));
            Assert.Equal(SmtpErrorCode.RecipientNotAccepted, refused.ErrorCode);
            Assert.Equal(SmtpStatusCode.MailboxUnavailable, refused.StatusCode);
            // Only the address the entry names is taken for contoso.example: anything else there is not relayed.
            var notRelayed = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Letter("alice@contoso.example")));
            Assert.Equal(SmtpStatusCode.MailboxUnavailable, notRelayed.StatusCode);
            await client.SendAsync(Letter($"bob@{External}"));
            await client.SendAsync(Letter("bob@contoso.example"));
            await client.DisconnectAsync(true);
        }

        var files = await WaitForMaildirAsync(host, $"bob@{Internal}", 2);
        foreach (var file in files)
        {
            var stored = await MimeMessage.LoadAsync(file);
            Assert.Equal([$"bob@{Internal}"], stored.To.Mailboxes.Select(m => m.Address));
            Assert.Equal("Bob", stored.To.Mailboxes.Single().Name);
        }
        foreach (var (from, entry) in new[] { ($"bob@{External}", "Corp to contoso"), ("bob@contoso.example", "Bob abroad") })
        {
            var rewrite = $"rewritten {from} → bob@{Internal} by address rewriting entry '{entry}'";
            Assert.Contains(rewrite, await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Redirect && e.Detail!.Contains(rewrite)));
            var header = $"To: {rewrite}";
            Assert.Contains(header, await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Agent && e.Detail!.StartsWith("Address rewriting (inbound)") && e.Detail.Contains(header)));
        }
        Assert.Empty(await remote.WaitForMessagesAsync(0, TimeSpan.Zero));

        var test = await host.Get<IMailFlowTester>().TestAsync(new MailFlowTestRequest { Sender = "dana@fabrikam.test", Recipients = [$"bob@{External}", $"ceo@{External}"] });
        Assert.Equal([true, false], test.Acceptance.Select(a => a.Accepted));
        var resolved = Assert.Single(Assert.Single(test.Resolution).Results);
        Assert.Equal(($"bob@{Internal}", "Rewrite"), (resolved.Address, resolved.Path[0].Kind));
        Assert.Contains($"On the way in, envelope recipient rewritten bob@{External} → bob@{Internal} by address rewriting entry 'Corp to contoso'.", test.AddressRewrites);
        Assert.Contains($"On the way in, To: rewritten bob@{External} → bob@{Internal} by address rewriting entry 'Corp to contoso'.", test.AddressRewrites);
    }

    private static MimeMessage Letter(string to) => new()
    {
        From = { MailboxAddress.Parse("dana@fabrikam.test") },
        To = { new MailboxAddress(to.StartsWith("bob", StringComparison.Ordinal) ? "Bob" : "Someone", to) },
        Subject = "Hello",
        Body = new TextPart("plain") { Text = "Hi" },
    };

    private static async Task<string[]> WaitForMaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder) is { } files && files.Length >= count)
                return files;
            await Task.Delay(100);
        }
        throw new TimeoutException($"nothing arrived in {folder}");
    }

    private static async Task<string> WaitForTraceAsync(MailflowHost host, Func<MessageTrackingEvent, bool> wanted)
    {
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var events = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Detail != null).ToListAsync();
            var found = events.Where(wanted).Select(e => e.Detail!).ToList();
            if (found.Count > 0)
                return string.Join("\n", found);
            await Task.Delay(100);
        }
        throw new TimeoutException("the trace event was not written in time");
    }

    private sealed class OneKey(AsymmetricKeyParameter key) : IDkimPublicKeyLocator
    {
        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => key;

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) => Task.FromResult(key);
    }

    public void Dispose() => stores.Dispose();
}
