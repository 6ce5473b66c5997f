using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Mailflow.Cli;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// Queues, messages, trace, protocol log and "Test mail flow" over /api/v1 and the CLI, against the
/// real server. Messages enter through the server's own message sink (as an SMTP session hands them
/// over); they route to a smart host on a closed loopback port whose queue is suspended first, so
/// they stay put and nothing leaves the machine.
/// </summary>
public abstract partial class OperationsApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
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

    private async Task RefreshSnapshotAsync() =>
        await _server.Services.GetRequiredService<TransportConfigProvider>().RefreshAsync(CancellationToken.None);

    private async Task<JsonNode> CreateSmartHostConnectorAsync(string name, string addressSpace, int cost) =>
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/send-connectors", new
        {
            name,
            addressSpaces = new[] { new { domain = addressSpace, cost } },
            routingMethod = "SmartHost",
            // A loopback port nobody listens on: a delivery attempt would fail, never leave the machine.
            smartHosts = new[] { $"127.0.0.1:{FreePort.Get()}" },
        }).ExpectAsync(HttpStatusCode.Created);

    private Task<JsonNode> TestMailFlowAsync(object request) =>
        _admin.SendJsonAsync(HttpMethod.Post, "api/v1/test-mail-flow", request).ExpectAsync(HttpStatusCode.OK);

    /// <summary>A domain routed to its own suspended smart-host queue; returns the domain and the queue's key.</summary>
    private async Task<(string Domain, string QueueKey)> SuspendedRouteAsync()
    {
        var domain = Http.Unique("ops") + ".test";
        await CreateSmartHostConnectorAsync(Http.Unique("Ops "), domain, 1);
        await RefreshSnapshotAsync();
        var test = await TestMailFlowAsync(new { sender = "a@" + domain, recipients = new[] { "b@" + domain }, clientIp = "127.0.0.1", authenticated = true, resolveMx = false });
        var queueKey = test["routing"]![0]!["queueKey"]!.GetValue<string>();
        await _admin.PostAsync($"api/v1/queues/suspend/{queueKey}", null).ExpectAsync(HttpStatusCode.OK);
        return (domain, queueKey);
    }

    private static byte[] MessageBytes(string sender, string recipient, string subject) => Encoding.ASCII.GetBytes(
        $"From: <{sender}>\r\nTo: <{recipient}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@ops.test>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n");

    /// <summary>Hands a message to the server's message sink, as a receive session does; waits until the categorizer routed it.</summary>
    private async Task<string> EnqueueAsync(string sender, string recipient, byte[] content)
    {
        var config = _server.Services.GetRequiredService<TransportConfigProvider>().Current;
        var connector = config.ReceiveConnectors.First(c => c.Name == "Default Frontend");
        var envelope = new MessageEnvelope(sender, [new EnvelopeRecipient(recipient)], BodyType.SevenBit, false, DsnReturn.Unspecified, null,
            new ClientInfo(IPAddress.Loopback, 40000, new IPEndPoint(IPAddress.Loopback, 25), "client.ops.test", "someone", null, null),
            connector.Id, connector.Name, DateTimeOffset.UtcNow, "node-api-tests");
        await using var transaction = await _server.Services.GetRequiredService<IMessageSink>().BeginAsync(envelope, CancellationToken.None);
        await transaction.WriteAsync(content, CancellationToken.None);
        var queueId = await transaction.CommitAsync(CancellationToken.None);
        await WaitForStateAsync(queueId, "Categorized");
        return queueId;
    }

    private async Task<JsonNode> WaitForStateAsync(string queueId, string state)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await _admin.GetAsync($"api/v1/messages/{queueId}");
            if (response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<JsonObject>())! is var details && details["message"]?["state"]?.GetValue<string>() == state)
                return details;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{queueId} did not reach {state} in time");
    }

    /// <summary>Tracking events are written in the background; this waits until everything tracked so far is stored.</summary>
    private Task FlushTrackingAsync() => _server.Services.GetRequiredService<MessageTracker>().FlushAsync();

    private async Task<HttpClient> ViewOnlyClientAsync()
    {
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = Http.Unique("viewer-"), role = AdminRoles.ViewOnly }).ExpectAsync(HttpStatusCode.Created);
        return _server.Client(created["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task QueueAndMessageEndpoints_ListShowSuspendResumeExport_ChangeTheStoredMessage()
    {
        var (domain, queueKey) = await SuspendedRouteAsync();
        var content = MessageBytes("alice@" + domain, "bob@" + domain, "Queue test");
        var queueId = await EnqueueAsync("alice@" + domain, "bob@" + domain, content);

        var queues = (await _admin.GetOkAsync("api/v1/queues")).AsArray();
        var queue = queues.SingleOrDefault(q => q!["nextHopKey"]!.GetValue<string>() == queueKey)
            ?? throw new Xunit.Sdk.XunitException($"no queue {queueKey} in {queues.ToJsonString()}; message: {(await _admin.GetOkAsync($"api/v1/messages/{queueId}")).ToJsonString()}");
        Assert.Equal("Suspended", queue["status"]!.GetValue<string>());
        Assert.Equal(1, queue["messageCount"]!.GetValue<int>());

        var page = await _admin.GetOkAsync($"api/v1/messages?queue={Uri.EscapeDataString(queueKey)}&sender={Uri.EscapeDataString("alice@" + domain)}");
        Assert.Equal(queueId, Assert.Single(page["messages"]!.AsArray())!["queueId"]!.GetValue<string>());
        Assert.Equal(1, page["totalCount"]!.GetValue<int>());

        var details = await _admin.GetOkAsync($"api/v1/messages/{queueId}");
        Assert.Equal("bob@" + domain, details["message"]!["recipients"]![0]!["address"]!.GetValue<string>());
        Assert.Contains(details["events"]!.AsArray(), e => e!["kind"]!.GetValue<string>() == "Receive");

        await _admin.PostAsync($"api/v1/messages/{queueId}/suspend", null).ExpectAsync(HttpStatusCode.OK);
        await using (var db = await _server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            Assert.Equal(Mailflow.Queue.QueuedMessageState.Suspended, (await db.QueuedMessages.SingleAsync(m => m.QueueId == queueId)).State);
        var resumed = await _admin.PostAsync($"api/v1/messages/{queueId}/resume", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, resumed["changed"]!.GetValue<int>());
        await WaitForStateAsync(queueId, "Categorized");

        using var export = await _admin.GetAsync($"api/v1/messages/{queueId}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("message/rfc822", export.Content.Headers.ContentType!.MediaType);
        byte[] stored;
        await using (var db = await _server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
        {
            var id = (await db.QueuedMessages.SingleAsync(m => m.QueueId == queueId)).Id;
            stored = (await db.MessageContents.SingleAsync(c => c.MessageId == id)).Data;
        }
        Assert.Equal(stored, await export.Content.ReadAsByteArrayAsync());
        Assert.EndsWith("Hello.\r\n", Encoding.ASCII.GetString(stored), StringComparison.Ordinal);

        var bulk = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/bulk", new { action = "Suspend", queueIds = new[] { queueId, "no-such-id" } }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, bulk["changed"]!.GetValue<int>());
        await WaitForStateAsync(queueId, "Suspended");
        var bulkResume = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/bulk", new { action = "Resume", queueIds = new[] { queueId } }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, bulkResume["changed"]!.GetValue<int>());

        await _admin.PostAsync($"api/v1/queues/resume/{queueKey}", null).ExpectAsync(HttpStatusCode.OK);
        await using (var db = await _server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            Assert.False(await db.NextHopSuspensions.AnyAsync(s => s.NextHopKey == queueKey));
        await _admin.PostAsync($"api/v1/queues/suspend/{queueKey}", null).ExpectAsync(HttpStatusCode.OK);
        await using (var db = await _server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            Assert.True(await db.NextHopSuspensions.AnyAsync(s => s.NextHopKey == queueKey));
    }

    [Fact]
    public async Task MatchingEndpoints_CountAndActOnEverythingTheFilterSelects_AndRefuseAnEmptyFilterWithoutAll()
    {
        var (domain, queueKey) = await SuspendedRouteAsync();
        var subject = Http.Unique("Bulk ");
        var ids = new List<string>();
        foreach (var name in new[] { "mia", "noah", "olga" })
            ids.Add(await EnqueueAsync(name + "@" + domain, "p@" + domain, MessageBytes(name + "@" + domain, "p@" + domain, subject)));
        var other = await EnqueueAsync("quinn@" + domain, "p@" + domain, MessageBytes("quinn@" + domain, "p@" + domain, "Not bulk"));
        var bySubject = "subject=" + Uri.EscapeDataString(subject);
        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));
        var later = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));

        var count = await _admin.GetOkAsync($"api/v1/messages/count?{bySubject}&queue={Uri.EscapeDataString(queueKey)}&receivedFrom={since}");
        Assert.Equal(3, count["count"]!.GetValue<int>());
        Assert.Contains($"subject contains '{subject}'", count["filter"]!.GetValue<string>());
        Assert.Equal(0, (await _admin.GetOkAsync($"api/v1/messages/count?{bySubject}&receivedFrom={later}"))["count"]!.GetValue<int>());
        Assert.Equal(3, (await _admin.GetOkAsync($"api/v1/messages?{bySubject}&receivedBefore={later}"))["totalCount"]!.GetValue<int>());
        Assert.Equal(0, (await _admin.GetOkAsync($"api/v1/messages?{bySubject}&receivedBefore={since}"))["totalCount"]!.GetValue<int>());

        var suspended = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Suspend", subject }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, suspended["changed"]!.GetValue<int>());
        foreach (var id in ids)
            await WaitForStateAsync(id, "Suspended");
        await WaitForStateAsync(other, "Categorized");
        Assert.Equal(3, (await _admin.GetOkAsync($"api/v1/messages/count?{bySubject}&state=Suspended"))["count"]!.GetValue<int>());

        // An empty (or blank) filter would select every queued message: refused unless all is asked for, and all only without a filter.
        var refused = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Remove" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("all", refused["errors"]!["All"]![0]!.GetValue<string>());
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Remove", sender = "  " }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Remove", subject, all = true }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(4, (await _admin.GetOkAsync($"api/v1/messages/count?queue={Uri.EscapeDataString(queueKey)}"))["count"]!.GetValue<int>());
        // all: true alone is accepted (Release only touches quarantined messages; this class's queue holds none).
        var released = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Release", all = true }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("all messages still queued", released["filter"]!.GetValue<string>());

        using var viewer = await ViewOnlyClientAsync();
        Assert.Equal(3, (await viewer.GetOkAsync($"api/v1/messages/count?{bySubject}"))["count"]!.GetValue<int>());
        await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Resume", subject }).ExpectAsync(HttpStatusCode.Forbidden);
        Assert.Equal(3, (await _admin.GetOkAsync($"api/v1/messages/count?{bySubject}&state=Suspended"))["count"]!.GetValue<int>());

        var resumed = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Resume", subject }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, resumed["changed"]!.GetValue<int>());
        var removed = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Remove", ndr = false, subject, queue = queueKey }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, removed["changed"]!.GetValue<int>());
        Assert.Equal(0, (await _admin.GetOkAsync($"api/v1/messages/count?{bySubject}"))["count"]!.GetValue<int>());
        await WaitForStateAsync(other, "Categorized");

        await FlushTrackingAsync();
        var audit = await _admin.GetOkAsync("api/v1/audit?pageSize=50");
        Assert.Contains(audit["items"]!.AsArray(), e => e!.ToJsonString().Contains(subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cli_MessageCountAndFilterWideVerbs_ActOnEverythingMatching_AndRefuseWithoutAFilter()
    {
        var (domain, _) = await SuspendedRouteAsync();
        var subject = Http.Unique("CliBulk");
        var first = await EnqueueAsync("rita@" + domain, "s@" + domain, MessageBytes("rita@" + domain, "s@" + domain, subject));
        var second = await EnqueueAsync("sam@" + domain, "s@" + domain, MessageBytes("sam@" + domain, "s@" + domain, subject));

        var count = await MailflowAsync("message", "count", "--subject", subject, "--received-from", "1h");
        AssertSucceeded(count);
        Assert.Contains("2 messages match", count.Output);
        var none = await MailflowAsync("message", "count", "--subject", subject, "--received-before", "1h");
        AssertSucceeded(none);
        Assert.Contains("0 messages match", none.Output);
        var badTime = await MailflowAsync("message", "count", "--received-before", "yesterday-ish");
        Assert.NotEqual(0, badTime.ExitCode);
        Assert.Contains("--received-before yesterday-ish: write a duration", badTime.Error);
        var listed = await MailflowAsync("message", "list", "--subject", subject, "--received-from", "1h");
        AssertSucceeded(listed);
        Assert.Contains(first, listed.Output);
        Assert.Contains(second, listed.Output);

        var suspended = await MailflowAsync("message", "suspend", "--subject", subject);
        AssertSucceeded(suspended);
        Assert.Contains("Suspended 2 message(s) matching", suspended.Output);
        await WaitForStateAsync(first, "Suspended");
        await WaitForStateAsync(second, "Suspended");

        var refused = await MailflowAsync("message", "remove");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--all", refused.Error);
        var both = await MailflowAsync("message", "resume", first, "--subject", subject);
        Assert.NotEqual(0, both.ExitCode);
        await WaitForStateAsync(second, "Suspended");

        AssertSucceeded(await MailflowAsync("message", "resume", "--subject", subject, "--sender", "rita@"));
        await WaitForStateAsync(first, "Categorized");
        await WaitForStateAsync(second, "Suspended");
        var removed = await MailflowAsync("message", "remove", "--subject", subject);
        AssertSucceeded(removed);
        Assert.Contains("Removed 2 message(s)", removed.Output);
        Assert.Contains("0 messages match", (await MailflowAsync("message", "count", "--subject", subject)).Output);
    }

    [Fact]
    public async Task RemoveWithNdr_WhenAsked_DeletesTheMessageAndQueuesAnNdrToTheSender()
    {
        var (domain, _) = await SuspendedRouteAsync();
        var sender = "carol@" + domain;
        var queueId = await EnqueueAsync(sender, "dave@" + domain, MessageBytes(sender, "dave@" + domain, "Remove me"));

        var removed = await _admin.DeleteAsync($"api/v1/messages/{queueId}?ndr=true").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, removed["changed"]!.GetValue<int>());
        await _admin.GetAsync($"api/v1/messages/{queueId}").ExpectAsync(HttpStatusCode.NotFound);

        var ndrs = await _admin.GetOkAsync($"api/v1/messages?recipient={Uri.EscapeDataString(sender)}");
        var ndr = Assert.Single(ndrs["messages"]!.AsArray())!;
        Assert.Equal("", ndr["sender"]!.GetValue<string>());

        await FlushTrackingAsync();
        var timeline = (await _admin.GetOkAsync($"api/v1/trace/{queueId}")).AsArray();
        Assert.Equal("Receive", timeline.First()!["kind"]!.GetValue<string>());
        Assert.Equal("Remove", timeline.Last()!["kind"]!.GetValue<string>());
        Assert.Contains("with NDR", timeline.Last()!["detail"]!.GetValue<string>());

        var second = await EnqueueAsync(sender, "erin@" + domain, MessageBytes(sender, "erin@" + domain, "Remove quietly"));
        var before = (await _admin.GetOkAsync($"api/v1/messages?recipient={Uri.EscapeDataString(sender)}"))["totalCount"]!.GetValue<int>();
        await _admin.DeleteAsync($"api/v1/messages/{second}?ndr=false").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(before, (await _admin.GetOkAsync($"api/v1/messages?recipient={Uri.EscapeDataString(sender)}"))["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task NodeCertificate_IsShown_AndOnlyOrganizationManagementMayRegenerateIt()
    {
        var current = await _admin.GetOkAsync("api/v1/certificates/node");
        Assert.True(current["selfSigned"]!.GetValue<bool>());
        Assert.StartsWith("CN=", current["subject"]!.GetValue<string>());
        using var viewer = await ViewOnlyClientAsync();
        Assert.Equal(current["thumbprint"]!.GetValue<string>(), (await viewer.GetOkAsync("api/v1/certificates/node"))["thumbprint"]!.GetValue<string>());

        await viewer.PostAsync("api/v1/certificates/node/self-signed", null).ExpectAsync(HttpStatusCode.Forbidden);
        var regenerated = await _admin.PostAsync("api/v1/certificates/node/self-signed", null).ExpectAsync(HttpStatusCode.OK);

        Assert.NotEqual(current["thumbprint"]!.GetValue<string>(), regenerated["thumbprint"]!.GetValue<string>());
        Assert.Equal(regenerated["thumbprint"]!.GetValue<string>(), (await _admin.GetOkAsync("api/v1/certificates/node"))["thumbprint"]!.GetValue<string>());
        var shown = await MailflowAsync("certificate", "show", "--json");
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains(regenerated["thumbprint"]!.GetValue<string>(), shown.Output);
    }

    [Fact]
    public async Task QueueActions_WhenKeyIsViewOnly_Return403ButReadsSucceed()
    {
        var (domain, queueKey) = await SuspendedRouteAsync();
        var queueId = await EnqueueAsync("f@" + domain, "g@" + domain, MessageBytes("f@" + domain, "g@" + domain, "Viewer"));
        using var viewer = await ViewOnlyClientAsync();

        await viewer.GetOkAsync("api/v1/queues");
        await viewer.GetOkAsync($"api/v1/messages/{queueId}");
        await viewer.GetOkAsync("api/v1/trace?sender=" + Uri.EscapeDataString("f@" + domain));
        await viewer.PostAsync($"api/v1/messages/{queueId}/suspend", null).ExpectAsync(HttpStatusCode.Forbidden);
        await viewer.DeleteAsync($"api/v1/messages/{queueId}").ExpectAsync(HttpStatusCode.Forbidden);
        await viewer.PostAsync($"api/v1/queues/resume/{queueKey}", null).ExpectAsync(HttpStatusCode.Forbidden);
        await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/messages/bulk", new { action = "Remove", queueIds = new[] { queueId } }).ExpectAsync(HttpStatusCode.Forbidden);
        await WaitForStateAsync(queueId, "Categorized");
    }

    [Fact]
    public async Task TraceSearch_BySenderSubjectAndMessageId_FindsTheMessagesEvents()
    {
        var (domain, _) = await SuspendedRouteAsync();
        var subject = Http.Unique("Traced ");
        var content = MessageBytes("henry@" + domain, "ivy@" + domain, subject);
        var messageId = System.Text.RegularExpressions.Regex.Match(Encoding.ASCII.GetString(content), "Message-ID: <([^>]+)>").Groups[1].Value;
        var queueId = await EnqueueAsync("henry@" + domain, "ivy@" + domain, content);
        await FlushTrackingAsync();

        var bySender = await _admin.GetOkAsync("api/v1/trace?sender=" + Uri.EscapeDataString("henry@" + domain));
        Assert.All(bySender["items"]!.AsArray(), e => Assert.Equal(queueId, e!["queueId"]!.GetValue<string>()));
        Assert.Contains(bySender["items"]!.AsArray(), e => e!["kind"]!.GetValue<string>() == "Route");
        // The subject and Message-ID come from the headers, which the receive event predates: the search still finds it.
        var bySubject = (await _admin.GetOkAsync("api/v1/trace?kind=Receive&subject=" + Uri.EscapeDataString(subject)))["items"]!.AsArray();
        Assert.Equal(queueId, Assert.Single(bySubject)!["queueId"]!.GetValue<string>());
        var byMessageId = (await _admin.GetOkAsync("api/v1/trace?messageId=" + Uri.EscapeDataString(messageId)))["items"]!.AsArray();
        Assert.Contains(byMessageId, e => e!["kind"]!.GetValue<string>() == "Receive");
        Assert.Contains(byMessageId, e => e!["kind"]!.GetValue<string>() == "Route");
        Assert.All(byMessageId, e => Assert.Equal(queueId, e!["queueId"]!.GetValue<string>()));
        Assert.Equal(queueId, Assert.Single((await _admin.GetOkAsync("api/v1/trace?kind=Receive&messageId=" + Uri.EscapeDataString("<" + messageId + ">")))["items"]!.AsArray())!["queueId"]!.GetValue<string>());
        var outside = await _admin.GetOkAsync($"api/v1/trace?sender={Uri.EscapeDataString("henry@" + domain)}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("O"))}");
        Assert.Equal(0, outside["total"]!.GetValue<int>());

        var timeline = (await _admin.GetOkAsync($"api/v1/trace/{queueId}")).AsArray();
        var times = timeline.Select(e => DateTimeOffset.Parse(e!["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order().ToList(), times);
        Assert.Equal("Receive", timeline[0]!["kind"]!.GetValue<string>());
        await _admin.GetAsync("api/v1/trace/no-such-queue-id").ExpectAsync(HttpStatusCode.NotFound);
    }

    /// <summary>Writes a protocol log file in the server's data directory, in the format the receive engine writes.</summary>
    private string WriteProtocolLog(string clientIp, DateTimeOffset start, out string otherSession)
    {
        var directory = Path.Combine(_server.DataDirectory, "logs", "protocol");
        Directory.CreateDirectory(directory);
        var session = "opsapi" + Guid.NewGuid().ToString("N")[..8];
        otherSession = "opsapi" + Guid.NewGuid().ToString("N")[..8];
        var local = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 25);
        var remote = new IPEndPoint(IPAddress.Parse(clientIp), 50123);
        var other = new IPEndPoint(IPAddress.Parse("198.51.100.77"), 50124);
        ProtocolLogEntry[] entries =
        [
            new(start, "Default Frontend", session, local, remote, ProtocolDirection.Event, "connected"),
            new(start.AddMilliseconds(5), "Default Frontend", session, local, remote, ProtocolDirection.Sent, "220 mx.ops.test Mailflow ESMTP ready"),
            new(start.AddMilliseconds(7), "Default Frontend", otherSession, local, other, ProtocolDirection.Event, "connected"),
            new(start.AddMilliseconds(10), "Default Frontend", session, local, remote, ProtocolDirection.Received, "EHLO client.ops.test"),
            new(start.AddMilliseconds(20), "Default Frontend", session, local, remote, ProtocolDirection.Sent, "250-mx.ops.test Hello, with a comma"),
            new(start.AddMilliseconds(30), "Default Frontend", session, local, remote, ProtocolDirection.Event, "disconnected"),
        ];
        var path = Path.Combine(directory, FileProtocolLog.FileNameFor(start));
        var lines = new List<string>();
        if (!File.Exists(path))
            lines.Add(FileProtocolLog.Fields);
        lines.AddRange(entries.Select(FileProtocolLog.Format));
        File.AppendAllLines(path, lines);
        return session;
    }

    [Fact]
    public async Task ProtocolLogSessions_ByClientIp_FindTheSessionAndItsTranscript()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var clientIp = $"203.0.113.{Random.Shared.Next(1, 254)}";
        var session = WriteProtocolLog(clientIp, start, out var other);

        var found = (await _admin.GetOkAsync($"api/v1/protocol-log/sessions?clientIp={clientIp}&connector=default%20frontend")).AsArray();
        var row = found.Single(s => s!["sessionId"]!.GetValue<string>() == session)!;
        Assert.DoesNotContain(found, s => s!["sessionId"]!.GetValue<string>() == other);
        Assert.Equal(5, row["lineCount"]!.GetValue<int>());
        Assert.Equal("Default Frontend", row["connector"]!.GetValue<string>());

        var earlier = (await _admin.GetOkAsync($"api/v1/protocol-log/sessions?clientIp={clientIp}&to={Uri.EscapeDataString(start.AddMinutes(-1).ToString("O"))}")).AsArray();
        Assert.DoesNotContain(earlier, s => s!["sessionId"]!.GetValue<string>() == session);

        var transcript = (await _admin.GetOkAsync($"api/v1/protocol-log/sessions/{session}?around={Uri.EscapeDataString(start.ToString("O"))}")).AsArray();
        Assert.Equal(["*", ">", "<", ">", "*"], transcript.Select(l => l!["event"]!.GetValue<string>()));
        Assert.Equal("EHLO client.ops.test", transcript[2]!["data"]!.GetValue<string>());
        Assert.Equal("250-mx.ops.test Hello, with a comma", transcript[3]!["data"]!.GetValue<string>());
    }

    [Fact]
    public async Task TestMailFlow_AnonymousExternalRelay_IsDenied_AuthenticatedRelay_IsAllowed()
    {
        var outside = Http.Unique("someone@elsewhere") + ".example";
        var anonymous = await TestMailFlowAsync(new { sender = "x@internet.example", recipients = new[] { outside }, resolveMx = false });
        Assert.Equal("Default Frontend", anonymous["connection"]!["connectorName"]!.GetValue<string>());
        Assert.DoesNotContain("RelayToAnyDomain", anonymous["connection"]!["rights"]!.AsArray().Select(r => r!.GetValue<string>()));
        var denied = Assert.Single(anonymous["acceptance"]!.AsArray())!;
        Assert.False(denied["accepted"]!.GetValue<bool>());
        Assert.StartsWith("550 5.7.54", denied["reply"]!.GetValue<string>());
        Assert.Contains("not an accepted domain", denied["explanation"]!.GetValue<string>());
        Assert.Empty(anonymous["routing"]!.AsArray());

        var authenticated = await TestMailFlowAsync(new { sender = "x@mailflow.local", recipients = new[] { outside }, authenticated = true, resolveMx = false });
        var allowed = Assert.Single(authenticated["acceptance"]!.AsArray())!;
        Assert.True(allowed["accepted"]!.GetValue<bool>(), allowed["explanation"]!.GetValue<string>());
        Assert.Contains("RelayToAnyDomain", authenticated["connection"]!["rights"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal("Remote", authenticated["resolution"]![0]!["results"]![0]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task TestMailFlow_WhenRecipientIsAGroup_ShowsTheExpansionToEachMember()
    {
        var first = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", primaryAddress = Http.Unique("m1") + "@mailflow.local" }).ExpectAsync(HttpStatusCode.Created);
        var second = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", primaryAddress = Http.Unique("m2") + "@mailflow.local" }).ExpectAsync(HttpStatusCode.Created);
        var groupAddress = Http.Unique("team") + "@mailflow.local";
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "DistributionGroup", primaryAddress = groupAddress, memberIds = new[] { first["id"], second["id"] } }).ExpectAsync(HttpStatusCode.Created);
        await RefreshSnapshotAsync();

        var result = await TestMailFlowAsync(new { sender = "x@internet.example", recipients = new[] { groupAddress }, resolveMx = false });
        Assert.True(result["acceptance"]![0]!["accepted"]!.GetValue<bool>());
        var resolution = Assert.Single(result["resolution"]!.AsArray())!;
        Assert.Equal(groupAddress, resolution["envelopeRecipient"]!.GetValue<string>());
        var members = resolution["results"]!.AsArray();
        Assert.Equal(
            new[] { first["primaryAddress"]!.GetValue<string>(), second["primaryAddress"]!.GetValue<string>() }.Order(StringComparer.OrdinalIgnoreCase),
            members.Select(m => m!["address"]!.GetValue<string>()).Order(StringComparer.OrdinalIgnoreCase));
        Assert.All(members, m =>
        {
            Assert.Equal("Mailbox", m!["kind"]!.GetValue<string>());
            Assert.Contains(m["path"]!.AsArray(), s => s!["kind"]!.GetValue<string>() == "Expand" && s["from"]!.GetValue<string>().Equals(groupAddress, StringComparison.OrdinalIgnoreCase));
        });
        Assert.All(result["routing"]!.AsArray(), r => Assert.Equal("Maildir", r!["kind"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TestMailFlow_WhenARuleMatches_ExplainsEachConditionAndTheOutcome()
    {
        var word = Http.Unique("whatif");
        var domain = Http.Unique("rules") + ".test";
        var matching = Http.Unique("Tag ");
        var notMatching = Http.Unique("Other ");
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = matching,
            definition = new
            {
                conditions = new object[]
                {
                    new { kind = "SubjectContainsWords", values = new[] { word } },
                    new { kind = "SenderDomainIs", values = new[] { domain } },
                },
                actions = new[] { new { kind = "SetHeader", arguments = new Dictionary<string, string> { ["Name"] = "X-WhatIf", ["Value"] = "1" } } },
            },
        }).ExpectAsync(HttpStatusCode.Created);
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = notMatching,
            definition = new
            {
                conditions = new object[]
                {
                    new { kind = "SubjectContainsWords", values = new[] { word } },
                    new { kind = "SenderDomainIs", values = new[] { "not-" + domain } },
                },
                actions = new[] { new { kind = "SetHeader", arguments = new Dictionary<string, string> { ["Name"] = "X-Other", ["Value"] = "1" } } },
            },
        }).ExpectAsync(HttpStatusCode.Created);
        await RefreshSnapshotAsync();

        var result = await TestMailFlowAsync(new { sender = "boss@" + domain, recipients = new[] { "postmaster@mailflow.local" }, subject = $"About {word} today", resolveMx = false });
        var rules = result["rules"]!["rules"]!.AsArray();
        var hit = rules.Single(r => r!["ruleName"]!.GetValue<string>() == matching)!;
        Assert.True(hit["matched"]!.GetValue<bool>());
        Assert.All(hit["conditions"]!.AsArray(), c =>
        {
            Assert.True(c!["matched"]!.GetValue<bool>());
            Assert.False(string.IsNullOrWhiteSpace(c["explanation"]!.GetValue<string>()));
        });
        var miss = rules.Single(r => r!["ruleName"]!.GetValue<string>() == notMatching)!;
        Assert.False(miss["matched"]!.GetValue<bool>());
        var conditions = miss["conditions"]!.AsArray();
        Assert.True(conditions.Single(c => c!["predicate"]!.GetValue<string>() == "SubjectContainsWords")!["matched"]!.GetValue<bool>());
        var failed = conditions.Single(c => c!["predicate"]!.GetValue<string>() == "SenderDomainIs")!;
        Assert.False(failed["matched"]!.GetValue<bool>());
        Assert.Contains(domain, failed["explanation"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);

        var outcome = result["rules"]!["outcome"]!;
        Assert.Equal("Deliver", outcome["outcome"]!.GetValue<string>());
        Assert.Contains(outcome["contentChanges"]!.AsArray(), c => c!.GetValue<string>().Contains("X-WhatIf", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome["contentChanges"]!.AsArray(), c => c!.GetValue<string>().Contains("X-Other", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TestMailFlow_WhenHeadersOrAnEmlAreGiven_RulesSeeTheirHeaders()
    {
        var word = Http.Unique("campaign");
        var rule = Http.Unique("Header ");
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = rule,
            definition = new
            {
                conditions = new object[] { new { kind = "HeaderContainsWords", headerName = "X-Campaign", values = new[] { word } } },
                actions = new[] { new { kind = "SetHeader", arguments = new Dictionary<string, string> { ["Name"] = "X-Seen", ["Value"] = "1" } } },
            },
        }).ExpectAsync(HttpStatusCode.Created);
        await RefreshSnapshotAsync();

        bool Matched(JsonNode result) =>
            result["rules"]!["rules"]!.AsArray().Single(r => r!["ruleName"]!.GetValue<string>() == rule)!["matched"]!.GetValue<bool>();

        var withoutHeader = await TestMailFlowAsync(new { sender = "a@contoso.test", recipients = new[] { "postmaster@mailflow.local" }, subject = "hello", resolveMx = false });
        Assert.False(Matched(withoutHeader));

        var withHeader = await TestMailFlowAsync(new
        {
            sender = "a@contoso.test", recipients = new[] { "postmaster@mailflow.local" }, subject = "hello", resolveMx = false,
            headers = new Dictionary<string, string> { ["X-Campaign"] = $"spring {word}" },
        });
        Assert.True(Matched(withHeader));

        var eml = $"From: a@contoso.test\r\nTo: postmaster@mailflow.local\r\nSubject: from a file\r\nX-Campaign: {word}\r\n\r\nBody.\r\n";
        var fromEml = await TestMailFlowAsync(new { sender = "a@contoso.test", recipients = new[] { "postmaster@mailflow.local" }, eml, resolveMx = false });
        Assert.True(Matched(fromEml));
    }

    [Fact]
    public async Task TestMailFlow_WhenTwoConnectorsCoverTheDomain_ChoosesTheLowerCostAndExplainsTheOther()
    {
        var domain = Http.Unique("route") + ".test";
        var expensive = Http.Unique("Expensive ");
        var cheap = Http.Unique("Cheap ");
        await CreateSmartHostConnectorAsync(expensive, domain, 5);
        await CreateSmartHostConnectorAsync(cheap, domain, 1);
        await RefreshSnapshotAsync();

        var result = await TestMailFlowAsync(new { sender = "x@mailflow.local", recipients = new[] { "y@" + domain }, clientIp = "127.0.0.1", authenticated = true, resolveMx = false });
        var route = Assert.Single(result["routing"]!.AsArray())!;
        Assert.Equal("SmartHost", route["kind"]!.GetValue<string>());
        Assert.Equal(cheap, route["connector"]!.GetValue<string>());
        Assert.Equal(domain, route["addressSpace"]!.GetValue<string>());
        Assert.Equal(1, route["cost"]!.GetValue<int>());
        Assert.Matches(@"^127\.0\.0\.1:\d+$", Assert.Single(route["hosts"]!.AsArray())!.GetValue<string>());
        var other = route["candidates"]!.AsArray().Single(c => c!["connectorName"]!.GetValue<string>() == expensive)!;
        Assert.Equal("HigherCost", other["verdict"]!.GetValue<string>());
        Assert.Equal(5, other["cost"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(other["explanation"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TestMailFlow_WhenClientIpIsNotAnAddress_Returns422()
    {
        var problem = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/test-mail-flow", new { sender = "a@b.example", recipients = new[] { "c@d.example" }, clientIp = "not-an-ip" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("not an IP address", problem["errors"]!["ClientIp"]![0]!.GetValue<string>());
    }

    private Task<CliRun> MailflowAsync(params string[] args) => CliRun.AsAdminAsync(_server.BaseUrl, args);

    private static void AssertSucceeded(CliRun run) => run.AssertSucceeded();

    [Fact]
    public async Task Cli_QueueMessageAndTraceVerbs_ShowAndChangeTheQueue()
    {
        var (domain, queueKey) = await SuspendedRouteAsync();
        var content = MessageBytes("jack@" + domain, "kate@" + domain, "Cli queue");
        var queueId = await EnqueueAsync("jack@" + domain, "kate@" + domain, content);

        var queues = await MailflowAsync("queue", "list");
        AssertSucceeded(queues);
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(queueKey)}\s+Suspended\s+1\s+1", queues.Output);

        var list = await MailflowAsync("message", "list", "--queue", queueKey, "--sender", "jack@" + domain);
        AssertSucceeded(list);
        Assert.Matches($@"{queueId}\s+Categorized\s+jack@", list.Output);

        var show = await MailflowAsync("message", "show", queueId);
        AssertSucceeded(show);
        Assert.Contains("kate@" + domain, show.Output);
        Assert.Contains("Receive", show.Output);

        var export = await MailflowAsync("message", "export", queueId);
        AssertSucceeded(export);
        Assert.EndsWith("Hello.\r\n", export.Output, StringComparison.Ordinal);
        Assert.Contains("Subject: Cli queue\r\n", export.Output, StringComparison.Ordinal);

        AssertSucceeded(await MailflowAsync("message", "suspend", queueId));
        await WaitForStateAsync(queueId, "Suspended");
        AssertSucceeded(await MailflowAsync("message", "resume", queueId));
        await WaitForStateAsync(queueId, "Categorized");

        await FlushTrackingAsync();
        var trace = await MailflowAsync("trace", "--sender", "jack@" + domain, "--since", "1h");
        AssertSucceeded(trace);
        Assert.Matches($@"Receive\s+{queueId}", trace.Output);
        var timeline = await MailflowAsync("trace", "show", queueId);
        AssertSucceeded(timeline);
        Assert.Contains("Suspend", timeline.Output);
        Assert.Contains("Resume", timeline.Output);

        AssertSucceeded(await MailflowAsync("queue", "resume", queueKey));
        Assert.DoesNotMatch($@"{System.Text.RegularExpressions.Regex.Escape(queueKey)}\s+Suspended", (await MailflowAsync("queue", "list")).Output);
        AssertSucceeded(await MailflowAsync("queue", "suspend", queueKey));

        var removed = await MailflowAsync("message", "remove", queueId, "--ndr");
        AssertSucceeded(removed);
        Assert.Contains("NDR", removed.Output);
        var gone = await MailflowAsync("message", "show", queueId);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("404", gone.Error);
    }

    [Fact]
    public async Task Cli_LogAndTestMailFlowVerbs_ShowSessionsAndDecisions()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        var clientIp = $"203.0.113.{Random.Shared.Next(1, 254)}";
        var session = WriteProtocolLog(clientIp, start, out _);

        var sessions = await MailflowAsync("log", "sessions", "--since", "1h", "--client-ip", clientIp);
        AssertSucceeded(sessions);
        Assert.Matches($@"{session}\s+.*Default Frontend\s+{System.Text.RegularExpressions.Regex.Escape(clientIp)}:50123", sessions.Output);
        var transcript = await MailflowAsync("log", "show", session, "--around", "2m");
        AssertSucceeded(transcript);
        Assert.Contains("EHLO client.ops.test", transcript.Output);

        var denied = await MailflowAsync("test-mail-flow", "--sender", "x@internet.example", "--recipient", "y@elsewhere.example", "--client-ip", "192.0.2.55", "--no-mx");
        AssertSucceeded(denied);
        Assert.Contains("Default Frontend takes the connection; 0 of 1 recipient(s) accepted.", denied.Output);
        Assert.Contains("refused 550 5.7.54", denied.Output);

        var allowed = await MailflowAsync("test-mail-flow", "--sender", "x@mailflow.local", "--recipient", "postmaster@mailflow.local", "--authenticated", "--subject", "Hi", "--no-mx");
        AssertSucceeded(allowed);
        Assert.Contains("postmaster@mailflow.local: accepted", allowed.Output);
        Assert.Contains("→ local:maildir", allowed.Output);

        var json = await MailflowAsync("--json", "test-mail-flow", "--sender", "x@mailflow.local", "--recipient", "postmaster@mailflow.local", "--no-mx");
        AssertSucceeded(json);
        Assert.Equal("Default Frontend", JsonNode.Parse(json.Output)!["connection"]!["connectorName"]!.GetValue<string>());
    }
}

public sealed class SqliteOperationsApiTests(ServerPerClass servers)
    : OperationsApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresOperationsApiTests(ServerPerClass servers, PostgresFixture postgres)
    : OperationsApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
