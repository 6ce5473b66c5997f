using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Route;
using Mailflow.Server.Transport.WhatIf;
using Mailflow.WhatIf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mailflow.Server.Transport.Deliver.Tls;
using Mailflow.TestSupport;
using Mailflow.Tracking;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// DANE for MX delivery (RFC 7672) over SMTP on a real store: the loopback zone answers the MX host's
/// <c>_&lt;port&gt;._tcp</c> TLSA records with or without the AD bit, the loopback MX offers STARTTLS (or
/// not) with a certificate the records match (or not). Connections are not reused between messages
/// (one message per connection), so every message looks the records up again.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboundDaneTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Domain = "contoso.test";
    private const string MxName = "mx1.contoso.test";

    private readonly TestStores _stores = new(postgres);
    private readonly X509Certificate2 _mxCertificate = TestCertificates.Create(MxName);
    private readonly LoopbackDnsServer _zone = new();
    private LoopbackSmtpServer _mx = null!;
    private DeliveryNode? _node;

    private string TlsaName => $"_{_mx.Port}._tcp.{MxName}";

    public Task InitializeAsync()
    {
        _mx = LoopbackSmtpServer.Start(new LoopbackSmtpScript { OfferStartTls = true, Certificate = _mxCertificate });
        _zone.Mx(Domain, 10, MxName).A(MxName, "127.0.0.1");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        await _mx.DisposeAsync();
        await _zone.DisposeAsync();
        _mxCertificate.Dispose();
        _stores.Dispose();
    }

    /// <summary>DANE-EE(3), SPKI(1), SHA2-256(1) of a certificate's key: the record most DANE MX hosts publish.</summary>
    private static byte[] SpkiSha256(X509Certificate2 certificate) => SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    private void PublishTlsa(byte[] data, bool authenticated)
    {
        _zone.Remove(TlsaName).Tlsa(TlsaName, 3, 1, 1, data, ttl: 0);
        if (authenticated)
            _zone.Authenticated(TlsaName);
    }

    private async Task<(DeliveryNode Node, Guid Connector)> StartAsync(DatabaseProvider provider)
    {
        _node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider),
            settings: new Dictionary<string, string?> { ["Mailflow:Dns:Servers:0"] = _zone.EndPoint.ToString(), ["Mailflow:Dns:Retries"] = "0" },
            // "Test mail flow" as the server registers it (the receive side is absent in a delivery node).
            services: s => s.AddSingleton<IAddressAuthority, SnapshotAddressAuthority>().AddSingleton<TransportAgentPipeline>()
                .AddSingleton<AgentWhatIf>().AddSingleton<MailFlowTester>());
        var connector = await _node.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "Internet",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.DnsMx,
            Port = _mx.Port,
            MtaSts = MtaStsOutboundMode.Off,
            Dane = true,
            MaxMessagesPerConnection = 1,
        });
        await _node.WaitForLatestGenerationAsync();
        await _node.StartManagerAsync();
        return (_node, connector.Id);
    }

    private static async Task<(QueuedRecipient Recipient, List<MessageTrackingEvent> Events)> SendAsync(DeliveryNode node, Guid connector)
    {
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), NextHopKey.Mx(connector, Domain).ToString(), "bob@" + Domain);
        await node.WaitProcessedAsync(queueId);
        var message = await node.FindAsync(queueId);
        return (Assert.Single(message.Recipients), await node.TrackingEventsAsync(queueId));
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Validated_tlsa_records_decide_the_certificate_and_records_without_the_ad_bit_are_ignored(DatabaseProvider provider)
    {
        PublishTlsa(SpkiSha256(_mxCertificate), authenticated: true);
        var (node, connector) = await StartAsync(provider);

        var (delivered, events) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.Delivered, delivered.Status);
        Assert.True(Assert.Single(_mx.Messages).Tls);
        // The Send event's detail also says who reports on DSN requests (the next hop advertises DSN).
        Assert.Contains($"DANE {TlsaName} (DNSSEC-validated, 1 usable TLSA record): the certificate of {MxName} matches",
            Assert.Single(events, e => e.Kind == MessageTrackingEventKind.Send).Detail);

        // The records now name another key: the self-signed certificate is no longer good enough.
        using var other = TestCertificates.Create(MxName);
        PublishTlsa(SpkiSha256(other), authenticated: true);
        var (deferred, _) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.StartsWith($"4.7.5 DANE TLSA records of {TlsaName} not met: the certificate of {MxName} (CN={MxName}) matches none of the TLSA records", deferred.LastResponse);
        Assert.Single(_mx.Messages);

        // The same records without the resolver's AD bit: not DNSSEC-validated, so no DANE (Postfix's dnssec level).
        PublishTlsa(SpkiSha256(other), authenticated: false);
        var (insecure, insecureEvents) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.Delivered, insecure.Status);
        Assert.Contains($"{TlsaName} has TLSA records, but not DNSSEC-validated (no AD bit): ignored",
            Assert.Single(insecureEvents, e => e.Kind == MessageTrackingEventKind.Send).Detail);
        Assert.Equal(2, _mx.Messages.Count);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Validated_tlsa_records_make_starttls_mandatory(DatabaseProvider provider)
    {
        _mx.Script.OfferStartTls = false;
        PublishTlsa(SpkiSha256(_mxCertificate), authenticated: true);
        var (node, connector) = await StartAsync(provider);

        var (deferred, _) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.Equal($"4.7.5 DANE TLSA records of {TlsaName} not met: {MxName} does not offer STARTTLS; the message waits in the queue", deferred.LastResponse);
        Assert.Empty(_mx.Messages);
    }

    [Fact]
    public void Dane_ta_matches_the_issuer_in_the_chain_and_then_wants_the_mx_name()
    {
        using var authority = TestCertificates.CreateAuthority("DANE TA");
        using var leaf = TestCertificates.Create(MxName, issuer: authority);
        using var otherName = TestCertificates.Create("www.fabrikam.test", issuer: authority);
        X509Chain ChainOf(X509Certificate2 certificate)
        {
            var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(certificate));
            return chain;
        }
        // DANE-TA(2), Cert(0), SHA2-256(1) of the authority's certificate.
        var requirement = new DaneRequirement("_25._tcp." + MxName, [new TlsaAssociation(2, 0, 1, SHA256.HashData(authority.RawData))]);

        using var chain = ChainOf(leaf);
        Assert.Null(requirement.Check(leaf, chain, MxName));

        using var otherChain = ChainOf(otherName);
        Assert.Equal(CertificateProblem.HostMismatch, requirement.Check(otherName, otherChain, MxName)?.Kind);

        // DANE-EE over the whole certificate (selector 0, matching 0), SHA2-512 (matching 2); unusable PKIX usages are left out.
        Assert.Null(new DaneRequirement("x", [new TlsaAssociation(3, 0, 0, leaf.RawData)]).Check(leaf, null, "any.name.test"));
        Assert.Null(new DaneRequirement("x", [new TlsaAssociation(3, 1, 2, SHA512.HashData(leaf.PublicKey.ExportSubjectPublicKeyInfo()))]).Check(leaf, null, "any.name.test"));
        Assert.False(new TlsaAssociation(1, 1, 1, SpkiSha256(leaf)).IsUsable);
        Assert.Equal(CertificateProblem.TlsaInvalid, new DaneRequirement("x", [new TlsaAssociation(3, 1, 1, SpkiSha256(authority))]).Check(leaf, null, MxName)?.Kind);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Dane_ta_over_smtp_accepts_a_chain_to_the_published_anchor_and_wants_the_mx_name(DatabaseProvider provider)
    {
        // A chain of three, as real servers send it: leaf and intermediate (the root stays home).
        using var root = TestCertificates.CreateAuthority("DANE root");
        using var intermediate = TestCertificates.CreateAuthority("DANE intermediate", issuer: root);
        _mx.Script.Certificate = TestCertificates.Create(MxName, issuer: intermediate);
        _mx.Script.CertificateChain = [intermediate];
        // DANE-TA(2), Cert(0), SHA2-256(1) of the intermediate, which the server sends in its chain.
        _zone.Remove(TlsaName).Tlsa(TlsaName, 2, 0, 1, SHA256.HashData(intermediate.RawData), ttl: 0).Authenticated(TlsaName);
        var (node, connector) = await StartAsync(provider);

        var (delivered, events) = await SendAsync(node, connector);

        Assert.True(delivered.Status == QueuedRecipientStatus.Delivered, delivered.LastResponse);
        Assert.Contains($"DANE {TlsaName} (DNSSEC-validated, 1 usable TLSA record): the certificate of {MxName} matches",
            Assert.Single(events, e => e.Kind == MessageTrackingEventKind.Send).Detail);

        // A certificate from the same authority for another name: DANE-TA checks the name too (§3.1.2).
        _mx.Script.Certificate = TestCertificates.Create("www.fabrikam.test", issuer: intermediate);
        var (deferred, _) = await SendAsync(node, connector);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.True(deferred.LastResponse!.StartsWith($"4.7.5 DANE TLSA records of {TlsaName} not met: the certificate (CN=www.fabrikam.test) chains to the DANE trust anchor of {TlsaName} but is not for {MxName}", StringComparison.Ordinal), deferred.LastResponse);

        // An anchor that is not in the chain: refused.
        using var stranger = TestCertificates.CreateAuthority("Someone else");
        _mx.Script.Certificate = TestCertificates.Create(MxName, issuer: intermediate);
        _zone.Remove(TlsaName).Tlsa(TlsaName, 2, 0, 1, SHA256.HashData(stranger.RawData), ttl: 0).Authenticated(TlsaName);
        var (strangerDeferred, _) = await SendAsync(node, connector);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, strangerDeferred.Status);
        Assert.Contains("matches none of the TLSA records", strangerDeferred.LastResponse);

        // The whole anchor in the record (2 0 0): a root the server does not send (RFC 7672 §3.1.2). Last: the large
        // answer goes over TCP, and one TCP lookup per test keeps the loopback zone simple.
        _zone.Remove(TlsaName).Tlsa(TlsaName, 2, 0, 0, root.RawData, ttl: 0).Authenticated(TlsaName);
        var (anchorInDns, _) = await SendAsync(node, connector);
        Assert.True(anchorInDns.Status == QueuedRecipientStatus.Delivered, anchorInDns.LastResponse);

        Assert.Equal(2, _mx.Messages.Count);
        Assert.All(_mx.Messages, m => Assert.True(m.Tls));
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_tlsa_lookup_that_fails_defers_and_never_falls_back_to_clear_text(DatabaseProvider provider)
    {
        // SERVFAIL is what a validating resolver answers for bogus DNSSEC data: the records may exist and be hidden.
        _mx.Script.OfferStartTls = false;
        _zone.Rcode(TlsaName, 2);
        var (node, connector) = await StartAsync(provider);

        var (deferred, _) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.Equal($"4.7.5 DANE TLSA records of {TlsaName} not met: the TLSA lookup for {TlsaName} failed (ServerFailure); the message waits in the queue", deferred.LastResponse);
        Assert.Equal(0, _mx.ConnectionCount);
        Assert.Empty(_mx.Messages);

        // "Test mail flow" and "Test connector" say the same.
        var flow = await node.Get<MailFlowTester>().TestAsync(new MailFlowTestRequest { Sender = "alice@sender.test", Recipients = ["bob@" + Domain], ReceiveConnector = "Client Frontend", Authenticated = true });
        Assert.Contains($"DANE: the TLSA lookup for {TlsaName} failed (ServerFailure); delivery skips this host and the message waits (451 4.7.5), never in clear (RFC 7672 §2.2). No MX host can be used",
            Assert.Single(flow.Routing).TlsPolicy);
        var test = await Tester(node).TestAsync(connector, Domain);
        var attempt = Assert.Single(test.Attempts);
        Assert.False(attempt.Connected);
        Assert.StartsWith($"DANE: the TLSA lookup for {TlsaName} failed (ServerFailure)", attempt.DaneCheck);
    }

    [Fact]
    public async Task Test_connector_and_test_mail_flow_explain_the_tlsa_records_and_the_certificate_check()
    {
        PublishTlsa(SpkiSha256(_mxCertificate), authenticated: true);
        var (node, connector) = await StartAsync(DatabaseProvider.Sqlite);

        var attempt = Assert.Single((await Tester(node).TestAsync(connector, Domain)).Attempts);
        Assert.True(attempt.Succeeded, attempt.Error);
        Assert.Equal($"DANE {TlsaName} (DNSSEC-validated, 1 usable TLSA record): the certificate of {MxName} matches.", attempt.DaneCheck);

        using var other = TestCertificates.Create(MxName);
        PublishTlsa(SpkiSha256(other), authenticated: true);
        var refused = Assert.Single((await Tester(node).TestAsync(connector, Domain)).Attempts);
        Assert.False(refused.Succeeded);
        Assert.StartsWith($"DANE {TlsaName} (DNSSEC-validated, 1 usable TLSA record): the certificate of {MxName} (CN={MxName}) matches none of the TLSA records", refused.DaneCheck);

        var flow = await node.Get<MailFlowTester>().TestAsync(new MailFlowTestRequest { Sender = "alice@sender.test", Recipients = ["bob@" + Domain], ReceiveConnector = "Client Frontend", Authenticated = true });
        Assert.Contains($"DANE {TlsaName} (DNSSEC-validated, 1 usable TLSA record): TLS and a certificate matching a record (3 1 1 ", Assert.Single(flow.Routing).TlsPolicy);
    }

    private static SendConnectorTester Tester(DeliveryNode node) =>
        new(node.Get<SendConnectorService>(), node.Get<SmartHostPasswordProtector>(), node.Get<MxResolver>(), node.Get<IOptions<MailflowOptions>>(),
            TimeProvider.System, null, node.Get<MtaStsPolicyCache>(), node.Get<OutboundTlsTrust>(), node.Get<IOptions<DnsOptions>>(), node.Get<DaneTlsaLookup>());
}
