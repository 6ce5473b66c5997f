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

/// <summary>The trace's SMTP refusals through the API, its CSV and the CLI.</summary>
public abstract partial class OperationsApiTests
{
    [Fact]
    public async Task TraceRefusals_ListSmtpRefusalsWithAgentReasonAndSession_AndExportThemAsCsv()
    {
        // A client address no other test uses; the refusals are written the way the receive session writes them.
        var client = $"10.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";
        var tracker = _server.Services.GetRequiredService<MessageTracker>();
        tracker.Track(new Mailflow.Tracking.MessageTrackingEvent
        {
            Kind = Mailflow.Tracking.MessageTrackingEventKind.Agent, Sender = "spam@fabrikam.test", Recipients = "alice@contoso.test", RecipientCount = 1,
            Connector = "Default Frontend", RemoteHost = client, ReplyCode = 550, Reply = "550 5.7.1 Service unavailable; client blocked using bl.test",
            Agent = "Connection filter: DNS block lists", Reason = "listed by bl.test (127.0.0.2, weight 1: see https://bl.test)", Helo = "mx.fabrikam.test", SessionId = "t-000001",
            Detail = "Connection filter: DNS block lists at RCPT TO (alice@contoso.test): rejected (session t-000001)",
        });
        tracker.Track(new Mailflow.Tracking.MessageTrackingEvent
        {
            Kind = Mailflow.Tracking.MessageTrackingEventKind.Agent, Sender = "", Recipients = "", Connector = "Default Frontend", RemoteHost = client,
            Agent = "SPF", Reason = "SPF none", SessionId = "t-000001",
        });
        await FlushTrackingAsync();

        var page = await _admin.GetOkAsync("api/v1/trace/refusals?client=" + client);
        Assert.Equal(1, page["total"]!.GetValue<int>());
        var refusal = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal("Connection filter: DNS block lists", refusal["agent"]!.GetValue<string>());
        Assert.Equal("listed by bl.test (127.0.0.2, weight 1: see https://bl.test)", refusal["reason"]!.GetValue<string>());
        Assert.Equal("mx.fabrikam.test", refusal["helo"]!.GetValue<string>());
        Assert.Equal("t-000001", refusal["sessionId"]!.GetValue<string>());
        Assert.Equal(550, refusal["replyCode"]!.GetValue<int>());
        Assert.Equal(client, refusal["clientAddress"]!.GetValue<string>());
        var byAgent = await _admin.GetOkAsync($"api/v1/trace/refusals?client={client}&agent=rate%20limit");
        Assert.Equal(0, byAgent["total"]!.GetValue<int>());

        var cli = await MailflowAsync("trace", "refusals", "--client", client);
        AssertSucceeded(cli);
        Assert.Contains("Connection filter: DNS block lists", cli.Output);
        Assert.Contains("mx.fabrikam.test", cli.Output);
        Assert.Contains("t-000001", cli.Output);
        Assert.Contains("1 refusals in all.", cli.Output);

        using var csv = await _admin.GetAsync("api/v1/trace/refusals.csv?client=" + client);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', Mailflow.Tracking.RefusalCsv.Columns), lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith($",{client},mx.fabrikam.test,spam@fabrikam.test,alice@contoso.test,Default Frontend,Connection filter: DNS block lists,\"listed by bl.test (127.0.0.2, weight 1: see https://bl.test)\",550,550 5.7.1 Service unavailable; client blocked using bl.test,t-000001", lines[1]);
    }
}
