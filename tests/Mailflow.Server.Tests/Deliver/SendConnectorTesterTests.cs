using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Route;
using Mailflow.Server.Transport.Tls;
using Mailflow.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Tests.Deliver;

public sealed class SendConnectorTesterTests : IAsyncLifetime
{
    private const string UserName = "relay-user";
    private const string Password = "Smart-Host-Secret-42";
    private readonly SqliteTestStore _store = new();
    private TestNode _node = default!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(_store.Settings, "node-tester", seed: false);

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _store.Dispose();
    }

    private SendConnectorTester CreateTester() => new(
        _node.Get<SendConnectorService>(),
        _node.Get<SmartHostPasswordProtector>(),
        new MxResolver(new DnsOptions()),
        _node.Get<IOptions<MailflowOptions>>(),
        TimeProvider.System);

    private Task<SendConnector> CreateSmartHostConnectorAsync(int port, string? password = Password) =>
        _node.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "Provider",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{port}"],
            SmartHostAuthentication = SmartHostAuthentication.Basic,
            SmartHostUsername = UserName,
            TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation,
        }, password);

    /// <summary>
    /// Issue 13, finding 7: credentials go only to a smart host whose certificate validates. A self-signed
    /// loopback host is shown (its certificate) and refused before AUTH: the password never leaves.
    /// (Refusal of the credentials by a trusted host is no longer reachable with a loopback responder.)
    /// </summary>
    [Fact]
    public async Task Test_WhenTheSmartHostCertificateDoesNotValidate_ShowsItAndNeverSendsThePassword()
    {
        using var certificate = NodeCertificate.GenerateSelfSigned("loopback.test", DateTimeOffset.UtcNow);
        await using var responder = new ScriptedSmtpResponder(certificate, UserName, Password);
        var connector = await CreateSmartHostConnectorAsync(responder.Port);

        var result = await CreateTester().TestAsync(connector.Id, testDomain: null);

        Assert.False(result.Succeeded, JsonSerializer.Serialize(result));
        var attempt = Assert.Single(result.Attempts);
        Assert.Equal("CN=loopback.test", attempt.CertificateSubject);
        Assert.Equal("Not attempted", attempt.AuthOutcome);
        Assert.False(string.IsNullOrWhiteSpace(attempt.Error));
        Assert.DoesNotContain(responder.Commands, c => c.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(Password, JsonSerializer.Serialize(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_WhenNothingListensOnTheSmartHostPort_ReportsThatItCouldNotConnect()
    {
        var connector = await CreateSmartHostConnectorAsync(FreePort.Get());

        var result = await CreateTester().TestAsync(connector.Id, testDomain: null);

        var attempt = Assert.Single(result.Attempts);
        Assert.False(attempt.Connected);
        Assert.False(string.IsNullOrWhiteSpace(attempt.Error));
    }

    [Fact]
    public async Task Test_WhenConnectorRoutesByMxAndNoTestDomainIsGiven_AsksForOne()
    {
        var connector = await _node.Get<SendConnectorService>().CreateAsync(AdminActor.System,
            new SendConnector { Name = "Internet", AddressSpaces = [new AddressSpace("*")] });

        var result = await CreateTester().TestAsync(connector.Id, testDomain: null);

        Assert.Contains("test domain", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Attempts);
    }
}
