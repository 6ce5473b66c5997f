using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Deliver.Tls;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.WhatIf;
using Mailflow.WhatIf;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// REQUIRETLS on relay (RFC 8689 §4.2) over SMTP on a real store: the loopback MX offers STARTTLS with a
/// certificate from the test's own authority (trusted through <see cref="OutboundTlsTrust"/>, as the
/// system roots would be) and advertises REQUIRETLS or not. A REQUIRETLS message goes only over verified
/// TLS to a server that advertises it, with REQUIRETLS on MAIL FROM; otherwise it is returned with 5.7.30
/// and a headers-only NDR that is itself not REQUIRETLS. <c>TLS-Required: No</c> sets the recipient
/// domain's DANE policy aside.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboundRequireTlsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Domain = "contoso.test";
    private const string MxName = "mx1.contoso.test";

    private readonly TestStores _stores = new(postgres);
    private readonly X509Certificate2 _authority = TestCertificates.CreateAuthority("REQUIRETLS test CA");
    private readonly LoopbackDnsServer _zone = new();
    private LoopbackSmtpServer _mx = null!;
    private DeliveryNode? _node;

    public Task InitializeAsync()
    {
        _mx = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            OfferStartTls = true,
            OfferRequireTls = true,
            Certificate = TestCertificates.Create(MxName, issuer: _authority),
        });
        _zone.Mx(Domain, 10, MxName).A(MxName, "127.0.0.1");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        await _mx.DisposeAsync();
        await _zone.DisposeAsync();
        _authority.Dispose();
        _stores.Dispose();
    }

    private async Task<(DeliveryNode Node, Guid Connector)> StartAsync(DatabaseProvider provider, bool dane = false)
    {
        _node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider),
            settings: new Dictionary<string, string?> { ["Mailflow:Dns:Servers:0"] = _zone.EndPoint.ToString(), ["Mailflow:Dns:Retries"] = "0" },
            services: s => s.AddSingleton(new OutboundTlsTrust([_authority], 443))
                // "Test mail flow" as the server registers it (the receive side is absent in a delivery node).
                .AddSingleton<IAddressAuthority, SnapshotAddressAuthority>().AddSingleton<TransportAgentPipeline>()
                .AddSingleton<AgentWhatIf>().AddSingleton<MailFlowTester>());
        var connector = await _node.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "Internet",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.DnsMx,
            Port = _mx.Port,
            MtaSts = MtaStsOutboundMode.Off,
            Dane = dane,
            MaxMessagesPerConnection = 1,
        });
        await _node.WaitForLatestGenerationAsync();
        await _node.StartManagerAsync();
        return (_node, connector.Id);
    }

    private static async Task<(QueuedMessage Message, QueuedRecipient Recipient, List<MessageTrackingEvent> Events)> SendAsync(
        DeliveryNode node, Guid connector, bool requireTls, byte[]? content = null)
    {
        var queueId = await node.EnqueueAsync(content ?? TestMessages.Plain(), "alice@sender.test", [("bob@" + Domain, DsnNotify.Unspecified, null)],
            _ => NextHopKey.Mx(connector, Domain).ToString(), ret: DsnReturn.Full, requireTls: requireTls);
        await node.WaitProcessedAsync(queueId);
        var message = await node.FindAsync(queueId);
        return (message, Assert.Single(message.Recipients), await node.TrackingEventsAsync(queueId));
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_requiretls_message_goes_over_verified_tls_with_requiretls_and_is_returned_with_5_7_30_when_the_next_hop_lacks_it(DatabaseProvider provider)
    {
        var (node, connector) = await StartAsync(provider);

        var (stored, delivered, events) = await SendAsync(node, connector, requireTls: true);

        Assert.True(stored.RequireTls);
        Assert.Equal(QueuedRecipientStatus.Delivered, delivered.Status);
        var received = Assert.Single(_mx.Messages);
        Assert.True(received.Tls);
        Assert.EndsWith(" REQUIRETLS", received.MailFromLine.Split(" RET=")[0]);
        Assert.Contains($"REQUIRETLS (RFC 8689): TLS to {MxName} verified by certificate validation (a trusted root, name {MxName}), and it advertises REQUIRETLS",
            Assert.Single(events, e => e.Kind == MessageTrackingEventKind.Send).Detail);

        // An ordinary message over the same route: no REQUIRETLS on MAIL FROM.
        await SendAsync(node, connector, requireTls: false);
        Assert.DoesNotContain("REQUIRETLS", _mx.Messages[1].MailFromLine);

        // The next hop stops advertising REQUIRETLS: returned at once, 5.7.30, nothing sent.
        _mx.Script.OfferRequireTls = false;
        var (_, returned, _) = await SendAsync(node, connector, requireTls: true);

        Assert.Equal(QueuedRecipientStatus.PermanentFailure, returned.Status);
        Assert.Equal($"5.7.30 REQUIRETLS support required: {MxName} does not advertise REQUIRETLS", returned.LastResponse);
        Assert.Equal(2, _mx.Messages.Count);
        var ndr = Assert.Single(await node.ListDsnsAsync());
        Assert.False(ndr.RequireTls); // RFC 8689 §5: the bounce is not itself REQUIRETLS
        var report = await node.LoadMimeAsync(ndr);
        var status = Assert.Single(report.BodyParts.OfType<MessageDeliveryStatus>());
        Assert.Equal("5.7.30", status.StatusGroups[1]["Status"]);
        // RET=FULL asked for the whole message; a REQUIRETLS message is returned as if RET=HDRS (§5).
        Assert.Single(report.BodyParts.OfType<TextRfc822Headers>());
        Assert.DoesNotContain("the figures are attached", report.ToString());
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_requiretls_message_is_returned_when_the_certificate_is_not_verified_or_starttls_is_missing(DatabaseProvider provider)
    {
        var (node, connector) = await StartAsync(provider);
        // A certificate nobody vouches for: the connector's opportunistic TLS would take it, REQUIRETLS does not.
        using var selfSigned = TestCertificates.Create(MxName);
        _mx.Script.Certificate = selfSigned;

        var (_, untrusted, _) = await SendAsync(node, connector, requireTls: true);

        Assert.Equal(QueuedRecipientStatus.PermanentFailure, untrusted.Status);
        Assert.StartsWith($"5.7.30 REQUIRETLS support required: the certificate of {MxName} (CN={MxName}, issued by CN={MxName}) does not chain to a trusted root", untrusted.LastResponse);

        _mx.Script.OfferStartTls = false;
        var (_, clear, _) = await SendAsync(node, connector, requireTls: true);

        Assert.Equal(QueuedRecipientStatus.PermanentFailure, clear.Status);
        Assert.Equal($"5.7.30 REQUIRETLS support required: {MxName} does not offer STARTTLS", clear.LastResponse);
        Assert.Empty(_mx.Messages);

        // The same next hop in clear takes an ordinary message (opportunistic TLS).
        var (_, ordinary, _) = await SendAsync(node, connector, requireTls: false);
        Assert.Equal(QueuedRecipientStatus.Delivered, ordinary.Status);
        Assert.False(Assert.Single(_mx.Messages).Tls);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Tls_required_no_sets_the_recipient_domains_dane_policy_aside(DatabaseProvider provider)
    {
        // DNSSEC-validated TLSA records that match another key: DANE defers every ordinary message.
        using var other = TestCertificates.Create(MxName);
        var tlsaName = $"_{_mx.Port}._tcp.{MxName}";
        _zone.Tlsa(tlsaName, 3, 1, 1, SHA256.HashData(other.PublicKey.ExportSubjectPublicKeyInfo()), ttl: 0).Authenticated(tlsaName);
        var (node, connector) = await StartAsync(provider, dane: true);

        var (_, deferred, _) = await SendAsync(node, connector, requireTls: false);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.StartsWith("4.7.5 DANE TLSA records of", deferred.LastResponse);

        var optOut = Encoding.UTF8.GetBytes("TLS-Required: No\r\n" + Encoding.UTF8.GetString(TestMessages.Plain()));
        var (_, delivered, events) = await SendAsync(node, connector, requireTls: false, optOut);

        Assert.Equal(QueuedRecipientStatus.Delivered, delivered.Status);
        Assert.Contains("TLS-Required: No (RFC 8689 §5): the recipient domain's MTA-STS and DANE policies are not applied",
            Assert.Single(events, e => e.Kind == MessageTrackingEventKind.Send).Detail);

        // REQUIRETLS wins over the header (§4.1): DANE applies again, and its failure returns the message.
        var (_, returned, _) = await SendAsync(node, connector, requireTls: true, optOut);
        Assert.Equal(QueuedRecipientStatus.PermanentFailure, returned.Status);
        Assert.StartsWith($"5.7.30 REQUIRETLS support required: the certificate of {MxName}", returned.LastResponse);
        Assert.Single(_mx.Messages);
    }

    [Fact]
    public async Task Test_mail_flow_explains_requiretls_and_tls_required_no()
    {
        var (node, _) = await StartAsync(DatabaseProvider.Sqlite, dane: true);
        var tester = node.Get<MailFlowTester>();
        var request = new MailFlowTestRequest { Sender = "alice@sender.test", Recipients = ["bob@" + Domain], ReceiveConnector = "Client Frontend", Authenticated = true };

        var asked = await tester.TestAsync(request with { RequireTls = true });
        Assert.StartsWith("REQUIRETLS (RFC 8689): delivered only over verified TLS", Assert.Single(asked.Routing).TlsPolicy);

        var optedOut = await tester.TestAsync(request with { Headers = new Dictionary<string, string> { ["TLS-Required"] = "No" } });
        Assert.Equal("TLS-Required: No (RFC 8689 §5): the recipient domain's MTA-STS and DANE policies are not applied; the send connector's own TLS policy still is.",
            Assert.Single(optedOut.Routing).TlsPolicy);
    }
}
