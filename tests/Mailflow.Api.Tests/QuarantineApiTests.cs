using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Transport;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>The quarantine endpoints and CLI on both stores: an empty quarantine, and clear 404s for a message that is not held (the held-message paths run on the wire with Rspamd in QuarantineWireTests).</summary>
public abstract class QuarantineApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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

    [Fact]
    public async Task EmptyQuarantine_ListsNothing_AndActionsOnAnUnknownMessageAre404()
    {
        Assert.Empty((await _admin.GetOkAsync("api/v1/quarantine")).AsArray());
        Assert.Contains("Nothing is held in quarantine.", (await CliRun.AsAdminAsync(_server.BaseUrl, "quarantine", "list")).Output);

        var missing = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/quarantine/NOPE/release", new { allowSender = true }).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal("There is no quarantined message with that queue id.", missing["detail"]!.GetValue<string>());
        await _admin.SendJsonAsync(HttpMethod.Delete, "api/v1/quarantine/NOPE").ExpectAsync(HttpStatusCode.NotFound);
        await _admin.SendJsonAsync(HttpMethod.Get, "api/v1/quarantine/NOPE/export").ExpectAsync(HttpStatusCode.NotFound);
        var learn = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/quarantine/NOPE/learn", new { spam = true }).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Contains("not in quarantine", learn["detail"]!.GetValue<string>());

        var cli = await CliRun.AsAdminAsync(_server.BaseUrl, "quarantine", "learn", "NOPE");
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains("Say --spam or --not-spam.", cli.Output + cli.Error);
    }

    [Fact]
    public async Task ReleaseToSomeRecipients_SendsThemOnAsANewMessage_TheOthersStayHeld_AuditedAndThroughTheCli()
    {
        var word = Http.Unique("holdme");
        await _server.Services.GetRequiredService<TransportRuleService>().CreateAsync(AdminActor.System, new TransportRule
        {
            Name = Http.Unique("Hold "),
            Definition = new RuleDefinition
            {
                Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = [word] }],
                Actions = [new RuleAction { Kind = "Quarantine" }],
            },
        });
        await _server.Services.GetRequiredService<TransportConfigProvider>().RefreshAsync(CancellationToken.None);
        string[] recipients = ["ann@partner.test", "ben@partner.test", "cat@partner.test"];
        var queueId = await EnqueueAsync("sender@fabrikam.test", recipients, $"Quarterly {word}");
        await WaitUntilHeldAsync(queueId);

        var unknown = await _admin.SendJsonAsync(HttpMethod.Post, $"api/v1/quarantine/{queueId}/release", new { recipients = new[] { "zed@partner.test" } })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(unknown, "recipients", "zed@partner.test is not a recipient of this held message (held for: ann@partner.test, ben@partner.test, cat@partner.test).");

        var partial = await _admin.SendJsonAsync(HttpMethod.Post, $"api/v1/quarantine/{queueId}/release", new { recipients = new[] { "BEN@partner.test" } })
            .ExpectAsync(HttpStatusCode.OK);
        var releasedAs = partial["releasedQueueId"]!.GetValue<string>();
        Assert.NotEqual(queueId, releasedAs);
        Assert.Equal(["ben@partner.test"], partial["released"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(["ann@partner.test", "cat@partner.test"], partial["stillHeld"]!.AsArray().Select(r => r!.GetValue<string>()));
        var held = await _admin.GetOkAsync($"api/v1/quarantine/{queueId}");
        Assert.Equal(["ann@partner.test", "cat@partner.test"], held["recipients"]!.AsArray().Select(r => r!.GetValue<string>()));
        var copy = await _admin.GetOkAsync($"api/v1/messages/{releasedAs}");
        Assert.NotEqual("Quarantined", copy["message"]!["state"]!.GetValue<string>());
        Assert.Equal(["ben@partner.test"], copy["message"]!["recipients"]!.AsArray().Select(r => r!["address"]!.GetValue<string>()));
        Assert.DoesNotContain((await _admin.GetOkAsync("api/v1/quarantine")).AsArray(), m => m!["queueId"]!.GetValue<string>() == releasedAs);

        // Who released what to whom.
        var audit = (await _admin.GetOkAsync("api/v1/audit?pageSize=200"))["items"]!.AsArray();
        var entry = Assert.Single(audit, e => e!["objectId"]!.GetValue<string>() == queueId && e["action"]!.GetValue<string>() == "Release");
        Assert.StartsWith("apikey:", entry!["actor"]!.GetValue<string>());
        Assert.Contains("\"releasedTo\":[\"ben@partner.test\"]", entry["after"]!.GetValue<string>());
        Assert.Contains($"\"releasedAs\":\"{releasedAs}\"", entry["after"]!.GetValue<string>());

        // The CLI: to one more; then to the last one, which releases the held message itself.
        var cli = await CliRun.AsAdminAsync(_server.BaseUrl, "quarantine", "release", queueId, "--to", "ann@partner.test");
        cli.AssertSucceeded();
        Assert.Contains($"Released {queueId} to ann@partner.test as ", cli.Output);
        Assert.Contains("still held for cat@partner.test.", cli.Output);
        (await CliRun.AsAdminAsync(_server.BaseUrl, "quarantine", "release", queueId, "--to", "cat@partner.test")).AssertSucceeded();
        await _admin.GetAsync($"api/v1/quarantine/{queueId}").ExpectAsync(HttpStatusCode.NotFound);
    }

    /// <summary>Hands a message to the server's message sink, as a receive session does.</summary>
    private async Task<string> EnqueueAsync(string sender, string[] recipients, string subject)
    {
        var config = _server.Services.GetRequiredService<TransportConfigProvider>().Current;
        var connector = config.ReceiveConnectors.First(c => c.Name == "Default Frontend");
        var envelope = new MessageEnvelope(sender, [.. recipients.Select(r => new EnvelopeRecipient(r))], BodyType.SevenBit, false, DsnReturn.Unspecified, null,
            new ClientInfo(IPAddress.Loopback, 40000, new IPEndPoint(IPAddress.Loopback, 25), "client.quarantine.test", null, null, null),
            connector.Id, connector.Name, DateTimeOffset.UtcNow, "node-api-tests");
        await using var transaction = await _server.Services.GetRequiredService<IMessageSink>().BeginAsync(envelope, CancellationToken.None);
        await transaction.WriteAsync(Encoding.ASCII.GetBytes(
            $"From: <{sender}>\r\nTo: <{recipients[0]}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@quarantine.test>\r\n\r\nHello.\r\n"), CancellationToken.None);
        return await transaction.CommitAsync(CancellationToken.None);
    }

    private async Task WaitUntilHeldAsync(string queueId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await _admin.GetOkAsync("api/v1/quarantine")).AsArray().Any(m => m!["queueId"]!.GetValue<string>() == queueId))
            await Task.Delay(100, timeout.Token);
    }
}

public sealed class SqliteQuarantineApiTests(ServerPerClass servers)
    : QuarantineApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresQuarantineApiTests(ServerPerClass servers, PostgresFixture postgres)
    : QuarantineApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
