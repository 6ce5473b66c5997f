using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>
/// Outbound TLS through the CLI of the real server: a send connector's MTA-STS mode and DANE switch set and
/// read back (CLI and REST API agree), a bad mode refused, and "Test mail flow" explaining REQUIRETLS.
/// </summary>
public abstract class OutboundTlsCliTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private ApiServer _server = default!;
    private HttpClient _admin = default!;

    public async Task InitializeAsync()
    {
        _server = await servers.GetAsync(provider, postgres);
        _admin = _server.Client();
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliRun> MailflowAsync(params string[] args) => CliRun.AsAdminAsync(_server.BaseUrl, args);

    [Fact]
    public async Task SendConnector_MtaStsModeAndDane_AreSetAndReadBackThroughTheCli()
    {
        var name = Http.Unique("Tls ");
        var domain = Http.Unique("tlscli") + ".test";
        (await MailflowAsync("send-connector", "add", name, "--address-spaces", domain, "--routing", "DnsMx", "--mta-sts", "Enforce", "--dane", "true")).AssertSucceeded();

        var created = (await _admin.GetOkAsync("api/v1/send-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        Assert.Equal("Enforce", created["mtaSts"]!.GetValue<string>());
        Assert.True(created["dane"]!.GetValue<bool>());

        (await MailflowAsync("send-connector", "set", name, "--mta-sts", "Testing", "--dane", "false")).AssertSucceeded();
        var changed = (await _admin.GetOkAsync("api/v1/send-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        Assert.Equal("Testing", changed["mtaSts"]!.GetValue<string>());
        Assert.False(changed["dane"]!.GetValue<bool>());
        var listed = await MailflowAsync("send-connector", "list");
        listed.AssertSucceeded();
        Assert.Contains(listed.Output.Split('\n'), line => line.Contains(name, StringComparison.Ordinal) && line.Contains("Testing", StringComparison.Ordinal));

        var refused = await MailflowAsync("send-connector", "set", name, "--mta-sts", "Sometimes");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Equal("Testing", (await _admin.GetOkAsync("api/v1/send-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!["mtaSts"]!.GetValue<string>());

        // "Test mail flow" explains what REQUIRETLS asks of the route.
        var test = await MailflowAsync("test-mail-flow", "--sender", "a@" + domain, "--recipient", "b@" + domain, "--client-ip", "127.0.0.1", "--authenticated", "--no-mx", "--requiretls");
        test.AssertSucceeded();
        Assert.Contains("TLS: REQUIRETLS (RFC 8689): delivered only over verified TLS", test.Output);
    }
}

public sealed class SqliteOutboundTlsCliTests(ServerPerClass servers)
    : OutboundTlsCliTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboundTlsCliTests(ServerPerClass servers, PostgresFixture postgres)
    : OutboundTlsCliTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
