using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// DKIM key rotation under a stream of outbound messages on a real store, with the keys' records in a
/// loopback DNS zone: the new keys sign only once DNS serves them, the old ones stop in the same
/// generation and are retired after the overlap, and every delivered message carries an RSA and an
/// Ed25519 signature that python3-dkim verifies.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DkimRotationTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly AdminActor Admin = new("dkim-admin", new HashSet<string> { Mailflow.Identity.AdminRoles.OrganizationManagement });
    private const string Domain = "mailflow.test";

    private readonly TestStores _stores = new(postgres);
    private readonly LoopbackDnsServer _zone = new();
    private DeliveryNode _node = null!;
    private LoopbackSmtpServer _server = null!;
    private string _hop = "";
    private int _sent;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(DatabaseProvider provider)
    {
        _server = LoopbackSmtpServer.Start();
        _node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider), settings: new Dictionary<string, string?>
        {
            ["Mailflow:Dns:Servers:0"] = _zone.EndPoint.ToString(),
            ["Mailflow:Dns:TimeoutMilliseconds"] = "2000",
            // Rounds are driven by the test (RunOnceAsync); the overlap is a day.
            ["Mailflow:Dkim:CheckIntervalSeconds"] = "86400",
            ["Mailflow:Dkim:OverlapHours"] = "24",
        });
        _hop = $"smarthost:{await _node.CreateSmartHostConnectorAsync("Loopback relay", _server.Host, _server.Port)}";
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
        await _zone.DisposeAsync();
        _stores.Dispose();
    }

    private void Publish(DkimSigningKey key) => _zone.Txt(key.DnsRecordName, key.DnsRecordValue, ttl: 0);

    private async Task<string> SendOneAsync()
    {
        var n = Interlocked.Increment(ref _sent);
        var content = Encoding.UTF8.GetBytes(
            $"From: Alice <alice@{Domain}>\r\nTo: bob@remote.test\r\nSubject: Rotation {n}\r\nDate: Mon, 07 Dec 2026 06:00:00 +0000\r\n" +
            $"Message-ID: <rotation-{n}@{Domain}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMessage {n} during the rotation.\r\n");
        return await _node.EnqueueAsync(content, $"alice@{Domain}", [("bob@remote.test", DsnNotify.Unspecified, null)], _ => _hop, authenticatedAs: $"alice@{Domain}");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Rotation_under_a_stream_of_messages_never_sends_an_unsigned_message(DatabaseProvider provider)
    {
        await StartAsync(provider);
        var keys = _node.Get<DkimKeyService>();
        var rotation = _node.Get<DkimKeyRotation>();
        var worker = _node.Get<DkimRotationWorker>();
        var oldRsa = await keys.GenerateAsync(Admin, Domain, "old-rsa", DkimKeyAlgorithm.Rsa2048, enabled: true);
        var oldEd = await keys.GenerateAsync(Admin, Domain, "old-ed", DkimKeyAlgorithm.Ed25519, enabled: true);
        Publish(oldRsa);
        Publish(oldEd);
        await _node.WaitForLatestGenerationAsync();
        await _node.StartManagerAsync();

        // A steady stream of outbound mail for the whole rotation.
        using var stop = new CancellationTokenSource();
        var queued = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var stream = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                queued.Enqueue(await SendOneAsync());
                await Task.Delay(20);
            }
        });
        async Task WaitForMoreMailAsync(int messages)
        {
            var target = _server.Messages.Count + messages;
            await _server.WaitForMessagesAsync(target, TimeSpan.FromSeconds(60));
        }

        await WaitForMoreMailAsync(5);
        var pending = await rotation.StartAsync(Admin, Domain);
        Assert.Equal(2, pending.Count);
        Assert.All(pending, k => Assert.Equal(DkimKeyLifecycle.Pending, k.Lifecycle));
        Assert.Equal([DkimKeyAlgorithm.Rsa2048, DkimKeyAlgorithm.Ed25519], pending.Select(k => k.Algorithm).Order());

        // Not in DNS yet: a round leaves them pending, and mail goes on with the old keys.
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.All(await keys.ListAsync(), k => Assert.Equal(k.Selector.StartsWith("old-", StringComparison.Ordinal) ? DkimKeyLifecycle.Active : DkimKeyLifecycle.Pending, k.Lifecycle));
        await WaitForMoreMailAsync(5);

        // Published: the next round switches, in one generation.
        var deliveredBeforePublishing = _server.Messages.Count;
        foreach (var key in pending)
            Publish(key);
        await worker.RunOnceAsync(CancellationToken.None);
        var afterSwitch = (await keys.ListAsync()).ToDictionary(k => k.Selector);
        Assert.All(pending, k => Assert.Equal(DkimKeyLifecycle.Active, afterSwitch[k.Selector].Lifecycle));
        Assert.Equal(DkimKeyLifecycle.Retiring, afterSwitch["old-rsa"].Lifecycle);
        Assert.Equal(DkimKeyLifecycle.Retiring, afterSwitch["old-ed"].Lifecycle);
        await _node.WaitForLatestGenerationAsync();
        await WaitForMoreMailAsync(10);

        // Within the overlap the old keys stay; after it they are retired and their private keys erased.
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(DkimKeyLifecycle.Retiring, (await keys.GetAsync(oldRsa.Id))!.Lifecycle);
        _node.Time.Advance(TimeSpan.FromHours(25));
        await worker.RunOnceAsync(CancellationToken.None);
        var retired = (await keys.GetAsync(oldRsa.Id))!;
        Assert.Equal(DkimKeyLifecycle.Retired, retired.Lifecycle);
        Assert.Empty(retired.ProtectedPrivateKey);
        Assert.Equal(DkimKeyLifecycle.Retired, (await keys.GetAsync(oldEd.Id))!.Lifecycle);
        await WaitForMoreMailAsync(3);

        await stop.CancelAsync();
        await stream;
        foreach (var queueId in queued)
            await _node.WaitProcessedAsync(queueId, TimeSpan.FromSeconds(60));
        var delivered = _server.Messages.Select(m => m.Data).ToList();
        // Every queued message arrived (delivery is at least once: a reply lost to a slow moment may
        // bring a second copy, signed like the first).
        var arrived = delivered.Select(d => MimeMessage.Load(new MemoryStream(d)).MessageId ?? "").ToHashSet();
        Assert.Equal(Enumerable.Range(1, queued.Count).Select(n => $"rotation-{n}@{Domain}").ToHashSet(), arrived);

        // Every message: two signatures, both valid for python3-dkim, with the records DNS served.
        var records = new[] { oldRsa, oldEd }.Concat(pending).ToDictionary(k => k.DnsRecordName, k => k.DnsRecordValue);
        var verdicts = await DkimPython.VerifyAllAsync(delivered, records);
        Assert.All(verdicts, v => Assert.Equal(["True", "True"], v));
        var selectors = delivered.Select(d => MimeMessage.Load(new MemoryStream(d)).Headers
            .Where(h => h.Id == HeaderId.DkimSignature).Select(h => Tag(h.Value, "s")).Order().ToArray()).ToList();
        Assert.Equal(["old-ed", "old-rsa"], selectors[0]);
        Assert.Equal(pending.Select(k => k.Selector).Order(), selectors[^1]);
        // No message delivered before DNS served the new keys was signed with one.
        Assert.True(deliveredBeforePublishing >= 10);
        Assert.All(selectors.Take(deliveredBeforePublishing), s => Assert.All(s, selector => Assert.StartsWith("old-", selector)));
    }

    [Fact]
    public async Task A_scheduled_key_gets_a_pending_successor_when_due_and_import_takes_a_pem_key()
    {
        await StartAsync(DatabaseProvider.Sqlite);
        var keys = _node.Get<DkimKeyService>();
        var worker = _node.Get<DkimRotationWorker>();
        var pair = DkimKeyMaterial.Generate(DkimKeyAlgorithm.Rsa2048);
        var pem = "-----BEGIN PRIVATE KEY-----\n" + Convert.ToBase64String(pair.Pkcs8, Base64FormattingOptions.InsertLineBreaks) + "\n-----END PRIVATE KEY-----\n";
        var imported = await keys.ImportAsync(Admin, Domain, "imported", pem, enabled: true);
        Assert.Equal(pair.PublicKey, imported.PublicKey);
        Assert.Equal(DkimKeyAlgorithm.Rsa2048, imported.Algorithm);

        var tooSmall = await Assert.ThrowsAsync<ConfigurationValidationException>(() => keys.ImportAsync(Admin, Domain, "small", Rsa1024Pem()));
        Assert.Contains("at least 2048 bits", tooSmall.Errors[DkimKeyService.Fields.PrivateKey][0]);
        var garbage = await Assert.ThrowsAsync<ConfigurationValidationException>(() => keys.ImportAsync(Admin, Domain, "junk", "not a key"));
        Assert.Contains("PEM private key", garbage.Errors[DkimKeyService.Fields.PrivateKey][0]);

        var scheduled = await keys.SetRotationScheduleAsync(Admin, imported.Id, imported.Revision, 30);
        await Assert.ThrowsAsync<ConfigurationValidationException>(() => keys.SetRotationScheduleAsync(Admin, imported.Id, scheduled.Revision, 1));
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Single(await keys.ListAsync()); // not due yet
        _node.Time.Advance(TimeSpan.FromDays(31));
        await worker.RunOnceAsync(CancellationToken.None);
        var successor = Assert.Single(await keys.ListAsync(), k => k.Lifecycle == DkimKeyLifecycle.Pending);
        Assert.Equal(imported.Id, successor.ReplacesKeyId);
        Assert.Equal(30, successor.RotateEveryDays);
        Assert.Equal(DkimKeyAlgorithm.Rsa2048, successor.Algorithm);
        Assert.Equal("mf" + _node.Time.GetUtcNow().ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) + "r", successor.Selector);
        // A second round starts no second rotation.
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, (await keys.ListAsync()).Count);

        // The DNS check says what is wrong, with the exact record.
        var check = _node.Get<IDkimDnsCheck>();
        Assert.Equal(DkimDnsStatus.Missing, (await check.CheckAsync(successor)).Status);
        _zone.Txt(successor.DnsRecordName, imported.DnsRecordValue, ttl: 0);
        var mismatch = await check.CheckAsync(successor);
        Assert.Equal(DkimDnsStatus.Mismatch, mismatch.Status);
        Assert.Contains($"Publish {successor.DnsRecordName} TXT \"{successor.DnsRecordValue}\"", mismatch.Explanation);
    }

    private static string Rsa1024Pem()
    {
        var generator = new Org.BouncyCastle.Crypto.Generators.RsaKeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom(), 1024));
        var pkcs8 = Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(generator.GenerateKeyPair().Private).GetEncoded();
        return "-----BEGIN PRIVATE KEY-----\n" + Convert.ToBase64String(pkcs8, Base64FormattingOptions.InsertLineBreaks) + "\n-----END PRIVATE KEY-----\n";
    }

    private static string Tag(string value, string name) =>
        Header.Unfold(value).Split(';').Select(t => t.Trim()).First(t => t.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];
}
