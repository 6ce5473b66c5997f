using Mailflow.Admin.Web.Components.Pages.Trace;
using Mailflow.Admin.Web.Tracking;
using Mailflow.Data;
using Mailflow.Tracking;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The message trace's Refused tab: what receive sessions refused during the SMTP conversation, with why, and its CSV.</summary>
public sealed class TraceRefusalsTests : MudBunitContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private const string DnsblAgent = "Connection filter: DNS block lists";
    private const string DnsblReason = "listed by bl.test (127.0.0.2, weight 1: 127.0.0.9 is listed, see https://bl.test/lookup); score 1 of threshold 1";

    protected override bool SeedDefaults => false;

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<MessageTraceQuery>();
        services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0.AddMinutes(5)));
    }

    private static MessageTrackingEvent Agent(int seconds, int? code, string? reply, string? queueId = null) => new()
    {
        Time = T0.AddSeconds(seconds), Node = "node-a", Kind = MessageTrackingEventKind.Agent, QueueId = queueId, Connector = "Default Frontend",
        RemoteHost = "127.0.0.9", ReplyCode = code, Reply = reply, Sender = "", Recipients = "",
    };

    /// <summary>A DNSBL refusal at RCPT, a rate limit at connect written before the agent had a column (detail only), and two events that are not refusals.</summary>
    private static List<MessageTrackingEvent> Events()
    {
        var dnsbl = Agent(10, 550, "550 5.7.1 Service unavailable; client [127.0.0.9] blocked using bl.test; 127.0.0.9 is listed, see https://bl.test/lookup");
        dnsbl.Sender = "spam@fabrikam.test";
        dnsbl.Recipients = "alice@contoso.test";
        dnsbl.RecipientCount = 1;
        dnsbl.Agent = DnsblAgent;
        dnsbl.Reason = DnsblReason;
        dnsbl.Helo = "=cmd|calc.example";
        dnsbl.SessionId = "n1-00002a";
        dnsbl.Detail = $"{DnsblAgent} at RCPT TO (alice@contoso.test): rejected — {dnsbl.Reply} — {DnsblReason} (session n1-00002a)";
        var oldRateLimit = Agent(5, 421, "421 4.7.0 Too many connections from your address; try again later");
        oldRateLimit.RemoteHost = "198.51.100.7";
        oldRateLimit.Detail = "Rate limits at connect: disconnected — 421 4.7.0 Too many connections from your address; try again later (session n1-000007)";
        var passed = Agent(20, null, null);
        passed.Detail = "SPF at MAIL FROM: passed — SPF pass for fabrikam.test (session n1-00002b)";
        var afterStore = Agent(30, 550, "550 5.7.1 rejected by rule", queueId: "Q1");
        return [dnsbl, oldRateLimit, passed, afterStore];
    }

    private async Task SeedAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        db.MessageTrackingEvents.AddRange(Events());
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task RefusedTab_ListsOnlyRefusals_WithClientHeloAgentReasonReplyAndTheProtocolLogSession()
    {
        await SeedAsync();
        JSInterop.Setup<string?>("mailflowTime.zone").SetResult("UTC");
        SignInAs("alice", Mailflow.Identity.AdminRoles.ViewOnly);
        RenderProviders();
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("view", "refused"));

        var page = Render<MessageTrace>();

        page.WaitForAssertion(() =>
        {
            Assert.Equal("2 refusal(s)", page.Find("#refusal-count").TextContent.Trim());
            Assert.Equal([DnsblAgent, "Rate limits"], page.FindAll("[data-testid=refusal-agent]").Select(a => a.TextContent.Trim()));
            Assert.Equal(DnsblReason, page.Find("[data-testid=refusal-reason]").TextContent.Trim());
            Assert.Equal("HELO =cmd|calc.example", page.Find("[data-testid=refusal-helo]").TextContent.Trim());
            Assert.Equal(["Refused", "Deferred"], page.FindAll("[data-testid=refusal-reply-chip]").Select(c => c.TextContent.Trim()));
            Assert.Contains("blocked using bl.test; 127.0.0.9 is listed", page.Find("[data-testid=refusal-reply]").TextContent);
            Assert.Equal("to alice@contoso.test", page.Find("[data-testid=refusal-recipients]").TextContent.Trim());
            var links = page.FindAll("[data-testid=refusal-protocol-log]").Select(a => a.GetAttribute("href")).ToList();
            Assert.Equal("/protocol-logs?client=127.0.0.9&connector=Default%20Frontend&at=2026-11-24T12%3A00%3A10.000Z&session=n1-00002a", links[0]);
            Assert.EndsWith("&session=n1-000007", links[1]);
            Assert.StartsWith(TraceExportEndpoint.RefusalsPath + "?from=", page.Find("#refusal-export").GetAttribute("href"));
        }, WaitTimeout);

        // A search by client narrows to that client's refusals.
        page.Find("#refusal-client").Change("198.51.100.");
        page.Find("#refusal-form").Submit();
        page.WaitForAssertion(() => Assert.Equal(["Rate limits"], page.FindAll("[data-testid=refusal-agent]").Select(a => a.TextContent.Trim())), WaitTimeout);
    }

    [Fact]
    public async Task RefusalCsv_HasOneRowPerRefusal_IsoTimes_AndNoFormulaInjection()
    {
        await SeedAsync();
        var page = await Services.GetRequiredService<MessageTraceQuery>().SearchRefusalsAsync(
            RefusalSearch.Create(T0.AddMinutes(5), null, null, null, "dns block", null, null), 0, 100, CancellationToken.None);

        var lines = RefusalCsv.ToCsv(page.Items).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(string.Join(',', RefusalCsv.Columns), lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Equal("2026-11-24T12:00:10.000Z,node-a,127.0.0.9,'=cmd|calc.example,spam@fabrikam.test,alice@contoso.test,Default Frontend," + DnsblAgent
            + ",\"" + DnsblReason + "\",550,\"550 5.7.1 Service unavailable; client [127.0.0.9] blocked using bl.test; 127.0.0.9 is listed, see https://bl.test/lookup\",n1-00002a", lines[1]);
    }
}
