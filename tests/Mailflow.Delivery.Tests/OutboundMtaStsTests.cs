using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver.Tls;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Route;
using Mailflow.Server.Transport.WhatIf;
using Mailflow.WhatIf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// Outbound MTA-STS (RFC 8461) over SMTP on a real store: the recipient domain publishes its
/// <c>_mta-sts</c> record in the loopback zone and its policy on a loopback HTTPS server with a
/// certificate from the test's own authority; the MX is a loopback SMTP server with STARTTLS and a
/// certificate from the same authority. The send connector's mode and the policy decide whether the
/// message goes, waits with a 4.7.5 reply naming MTA-STS, or goes with a note in the trace.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboundMtaStsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Domain = "contoso.test";
    private const string MxName = "mx1.contoso.test";

    private readonly TestStores _stores = new(postgres);
    private readonly X509Certificate2 _authority = TestCertificates.CreateAuthority("MTA-STS test CA");
    private readonly LoopbackDnsServer _zone = new();
    private LoopbackHttpsServer _policyServer = null!;
    private LoopbackSmtpServer _mx = null!;
    private DeliveryNode? _node;

    public Task InitializeAsync()
    {
        _policyServer = LoopbackHttpsServer.Start(TestCertificates.Create("mta-sts." + Domain, issuer: _authority), Policy("enforce", MxName));
        _mx = LoopbackSmtpServer.Start(new LoopbackSmtpScript { OfferStartTls = true, Certificate = TestCertificates.Create(MxName, issuer: _authority) });
        _zone.Mx(Domain, 10, MxName).A(MxName, "127.0.0.1")
            .Txt("_mta-sts." + Domain, "v=STSv1; id=20261207T1", ttl: 0)
            .A("mta-sts." + Domain, "127.0.0.1");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        await _mx.DisposeAsync();
        await _policyServer.DisposeAsync();
        await _zone.DisposeAsync();
        _authority.Dispose();
        _stores.Dispose();
    }

    private static string Policy(string mode, params string[] mx) =>
        $"version: STSv1\nmode: {mode}\n{string.Concat(mx.Select(m => $"mx: {m}\n"))}max_age: 86400\n";

    private async Task<(DeliveryNode Node, Guid Connector)> StartAsync(DatabaseProvider provider, MtaStsOutboundMode mode)
    {
        _node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider),
            settings: new Dictionary<string, string?> { ["Mailflow:Dns:Servers:0"] = _zone.EndPoint.ToString(), ["Mailflow:Dns:Retries"] = "0" },
            services: s => s.AddSingleton(new OutboundTlsTrust([_authority], _policyServer.Port))
                // "Test mail flow" as the server registers it (the receive side is absent in a delivery node).
                .AddSingleton<IAddressAuthority, SnapshotAddressAuthority>().AddSingleton<TransportAgentPipeline>()
                .AddSingleton<AgentWhatIf>().AddSingleton<MailFlowTester>());
        var connector = await _node.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "Internet",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.DnsMx,
            Port = _mx.Port,
            MtaSts = mode,
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

    private async Task SetConnectorModeAsync(DeliveryNode node, Guid id, MtaStsOutboundMode mode)
    {
        var service = node.Get<SendConnectorService>();
        var connector = (await service.GetAsync(id))!;
        connector.MtaSts = mode;
        await service.UpdateAsync(AdminActor.System, connector);
        await node.WaitForLatestGenerationAsync();
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Enforced_policy_delivers_to_a_named_mx_with_a_valid_certificate_and_defers_when_a_new_policy_no_longer_names_it(DatabaseProvider provider)
    {
        var (node, connector) = await StartAsync(provider, MtaStsOutboundMode.Enforce);

        var (delivered, events) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.Delivered, delivered.Status);
        Assert.True(Assert.Single(_mx.Messages).Tls);
        var send = Assert.Single(events, e => e.Kind == MessageTrackingEventKind.Send);
        Assert.Contains("MTA-STS contoso.test (policy enforce, id 20261207T1, enforced)", send.Detail);
        Assert.Contains($"{MxName} is named by the policy and its certificate is valid", send.Detail);
        Assert.Equal(1, _policyServer.Requests);

        // Same id: the cached policy is used, nothing is fetched.
        await SendAsync(node, connector);
        Assert.Equal(1, _policyServer.Requests);

        // A new id: the new policy is fetched, and it no longer names our MX.
        _policyServer.Body = Policy("enforce", "mx9.contoso.test");
        _zone.Remove("_mta-sts." + Domain).Txt("_mta-sts." + Domain, "v=STSv1; id=20261207T2", ttl: 0);

        var (deferred, deferEvents) = await SendAsync(node, connector);

        Assert.Equal(2, _policyServer.Requests);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.StartsWith("4.7.5 MTA-STS policy of contoso.test (enforce) not met: MX mx1.contoso.test is not named by the MTA-STS policy", deferred.LastResponse);
        Assert.Equal(2, _mx.Messages.Count);
        var defer = Assert.Single(deferEvents, e => e.Kind == MessageTrackingEventKind.Defer);
        Assert.Contains("MTA-STS", defer.Reply);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_certificate_for_another_name_is_only_reported_in_testing_mode_and_defers_when_the_connector_enforces(DatabaseProvider provider)
    {
        _mx.Script.Certificate = TestCertificates.Create("www.fabrikam.test", issuer: _authority);
        var (node, connector) = await StartAsync(provider, MtaStsOutboundMode.Testing);

        var (delivered, events) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.Delivered, delivered.Status);
        var send = Assert.Single(events, e => e.Kind == MessageTrackingEventKind.Send);
        Assert.Contains("MTA-STS contoso.test (policy enforce, id 20261207T1, report only)", send.Detail);
        Assert.Contains("is not for mx1.contoso.test", send.Detail);
        Assert.Contains("not enforced: delivered anyway", send.Detail);

        await SetConnectorModeAsync(node, connector, MtaStsOutboundMode.Enforce);
        var (deferred, _) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.StartsWith("4.7.5 MTA-STS policy of contoso.test (enforce) not met: the certificate (CN=www.fabrikam.test) is not for mx1.contoso.test", deferred.LastResponse);
        Assert.Single(_mx.Messages);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task An_enforced_policy_needs_starttls_even_when_the_connector_is_opportunistic(DatabaseProvider provider)
    {
        _mx.Script.OfferStartTls = false;
        var (node, connector) = await StartAsync(provider, MtaStsOutboundMode.Enforce);

        var (deferred, _) = await SendAsync(node, connector);

        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.Equal("4.7.5 MTA-STS policy of contoso.test (enforce) not met: mx1.contoso.test does not offer STARTTLS; the message waits in the queue", deferred.LastResponse);
        Assert.Empty(_mx.Messages);
    }

    [Fact]
    public async Task Test_connector_and_test_mail_flow_show_the_policy_and_what_the_connector_does_with_it()
    {
        var (node, connector) = await StartAsync(DatabaseProvider.Sqlite, MtaStsOutboundMode.Enforce);
        var tester = new SendConnectorTester(node.Get<SendConnectorService>(), node.Get<SmartHostPasswordProtector>(), node.Get<MxResolver>(),
            node.Get<IOptions<MailflowOptions>>(), TimeProvider.System, null, node.Get<MtaStsPolicyCache>(), node.Get<OutboundTlsTrust>(), node.Get<IOptions<DnsOptions>>());

        var result = await tester.TestAsync(connector, Domain);

        Assert.True(result.Succeeded, result.Error ?? string.Join("; ", result.Attempts.Select(a => a.Error)));
        Assert.Equal($"MTA-STS policy of {Domain}: mode enforce, mx {MxName}, max_age 86400 s (id 20261207T1). This connector enforces it: only the hosts it names, over TLS with a trusted certificate for the MX name; otherwise mail waits (451 4.7.5).", result.TlsPolicy);
        Assert.Equal($"MTA-STS: {MxName} is named by the policy and its certificate is valid.", Assert.Single(result.Attempts).TlsPolicyCheck);

        _mx.Script.Certificate = TestCertificates.Create("www.fabrikam.test", issuer: _authority);
        var refused = Assert.Single((await tester.TestAsync(connector, Domain)).Attempts);
        Assert.False(refused.Succeeded);
        Assert.Equal($"MTA-STS: the certificate (CN=www.fabrikam.test) is not for {MxName} (enforced: mail waits, 451 4.7.5).", refused.TlsPolicyCheck);

        var flow = await node.Get<MailFlowTester>().TestAsync(new MailFlowTestRequest { Sender = "alice@sender.test", Recipients = ["bob@" + Domain], ReceiveConnector = "Client Frontend", Authenticated = true });
        var route = flow.Routing.Count == 1 ? flow.Routing[0] : throw new Xunit.Sdk.XunitException(System.Text.Json.JsonSerializer.Serialize(flow));
        Assert.StartsWith($"MTA-STS policy of {Domain}: mode enforce, mx {MxName}", route.TlsPolicy);
        Assert.Contains("Enforced: delivered only over STARTTLS with a trusted certificate for the MX name", route.TlsPolicy);
    }
}
