using Mailflow.Admin.Web.Components.Pages.Trace;
using Mailflow.Admin.Web.Tracking;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Tracking;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The trace tells the outcome per recipient, exports it as CSV and links SMTP events to the protocol log.</summary>
public sealed class TraceOutcomeTests : MudBunitContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private long _id;

    protected override bool SeedDefaults => false;

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<MessageTraceQuery>();
        services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0.AddMinutes(5)));
    }

    private MessageTrackingEvent Event(MessageTrackingEventKind kind, int seconds, string recipients, string queueId = "Q1") => new()
    {
        Id = ++_id, Time = T0.AddSeconds(seconds), Node = "node-a", Kind = kind, QueueId = queueId, InternetMessageId = $"<{queueId}@contoso.test>",
        Sender = "alice@contoso.test", Recipients = recipients, RecipientCount = recipients.Split(',').Length, Subject = "=SUM(A1) quarterly, final",
    };

    /// <summary>One message to four recipients: delivered, deferred then failed (550), still deferred (451), and a group expanded to the first.</summary>
    private List<MessageTrackingEvent> Story()
    {
        var receive = Event(MessageTrackingEventKind.Receive, 0, "bob@fabrikam.test, carol@partner.test, dave@partner.test, sales@contoso.test");
        receive.RemoteHost = "127.0.0.1";
        receive.Connector = "Client Frontend";
        var expand = Event(MessageTrackingEventKind.Expand, 1, "erin@contoso.test");
        expand.Detail = "the group sales@contoso.test includes erin@contoso.test";
        var send = Event(MessageTrackingEventKind.Send, 3, "bob@fabrikam.test");
        send.NextHop = "unreachable";
        send.ReplyCode = 250;
        send.Reply = "250 2.0.0 OK";
        var defer = Event(MessageTrackingEventKind.Defer, 4, "carol@partner.test");
        defer.ReplyCode = 451;
        defer.Reply = "451 4.3.0 try later";
        var fail = Event(MessageTrackingEventKind.Fail, 9, "carol@partner.test");
        fail.ReplyCode = 550;
        fail.Reply = "550 5.1.1 no such user";
        fail.RemoteHost = "127.0.0.1";
        var defer2 = Event(MessageTrackingEventKind.Defer, 5, "dave@partner.test");
        defer2.ReplyCode = 451;
        defer2.Reply = "451 4.7.1 greylisted";
        var deliver = Event(MessageTrackingEventKind.Deliver, 6, "erin@contoso.test");
        deliver.NextHop = "local:maildir";
        return [fail, receive, expand, send, defer, defer2, deliver];
    }

    [Fact]
    public void Outcomes_ArePerRecipient_NotTheLastEvent()
    {
        var message = MessageTraceQuery.Group(Story()).Single();

        Assert.Equal(MessageTrackingEventKind.Fail, message.LastKind);
        Assert.Equal(
            [("bob@fabrikam.test", TraceOutcome.Delivered), ("carol@partner.test", TraceOutcome.Failed), ("dave@partner.test", TraceOutcome.Pending),
             ("sales@contoso.test", TraceOutcome.Expanded), ("erin@contoso.test", TraceOutcome.Delivered)],
            message.Recipients.Select(r => (r.Address, r.Outcome)));
        Assert.Equal("550 5.1.1 no such user", message.Recipients[1].Reply);
        Assert.Equal([(TraceOutcome.Failed, 1), (TraceOutcome.Pending, 1), (TraceOutcome.Delivered, 2), (TraceOutcome.Expanded, 1)], message.OutcomeCounts);
    }

    [Fact]
    public void Outcomes_FollowQuarantineReleaseAndRemoval()
    {
        var receive = Event(MessageTrackingEventKind.Receive, 0, "bob@fabrikam.test, carol@partner.test");
        var quarantine = Event(MessageTrackingEventKind.Quarantine, 1, "bob@fabrikam.test, carol@partner.test");
        var held = MessageTraceQuery.Group([receive, quarantine]).Single();
        Assert.All(held.Recipients, r => Assert.Equal(TraceOutcome.Quarantined, r.Outcome));

        var removed = MessageTraceQuery.Group([receive, quarantine, Event(MessageTrackingEventKind.Release, 2, "bob@fabrikam.test, carol@partner.test"),
            Event(MessageTrackingEventKind.Send, 3, "bob@fabrikam.test"), Event(MessageTrackingEventKind.Remove, 4, "carol@partner.test")]).Single();
        Assert.Equal([TraceOutcome.Delivered, TraceOutcome.Removed], removed.Recipients.Select(r => r.Outcome));
    }

    [Fact]
    public async Task Csv_HasOneRowPerRecipient_IsoTimes_NamedNextHops_AndNoFormulaInjection()
    {
        var message = MessageTraceQuery.Group(Story()).Single();

        var csv = await TraceCsv.ToStringAsync([message], TransportConfig.Empty);

        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', TraceCsv.Columns), lines[0]);
        Assert.Equal(6, lines.Length);
        Assert.Equal("Q1,<Q1@contoso.test>,2026-11-24T12:00:00.000Z,alice@contoso.test,\"'=SUM(A1) quarterly, final\",bob@fabrikam.test,Delivered,2026-11-24T12:00:03.000Z,unreachable,Unreachable — no route: no send connector or mailbox target matches,,250 2.0.0 OK", lines[1]);
        Assert.Contains(",carol@partner.test,Failed,2026-11-24T12:00:09.000Z,,,127.0.0.1,550 5.1.1 no such user", lines[2]);
        Assert.Contains("local:maildir,Local mailboxes — Maildir on this server", lines[5]);
    }

    [Fact]
    public void ProtocolLogLink_PointsAReceiveEventAtItsSession_AndNothingElse()
    {
        var story = Story();
        var receive = story.Single(e => e.Kind == MessageTrackingEventKind.Receive);

        Assert.Equal("/protocol-logs?client=127.0.0.1&connector=Client%20Frontend&at=2026-11-24T12%3A00%3A00.000Z", ProtocolLogLink.For(receive));
        Assert.Null(ProtocolLogLink.For(story.Single(e => e.Kind == MessageTrackingEventKind.Deliver)));
    }

    [Fact]
    public async Task TracePage_ShowsRecipientsAndOutcomeChips_AndTheExpandedMessageHasItsRecipientTableAndProtocolLogLink()
    {
        await using (var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
        {
            db.MessageTrackingEvents.AddRange(Story().Select(e => { e.Id = 0; return e; }));
            await db.SaveChangesAsync();
        }
        JSInterop.Setup<string?>("mailflowTime.zone").SetResult("America/New_York");
        SignInAs("alice", Mailflow.Identity.AdminRoles.ViewOnly);
        RenderProviders();

        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("id", "Q1"));
        var page = Render<MessageTrace>();

        page.WaitForAssertion(() =>
        {
            Assert.Equal("bob@fabrikam.test +4", page.Find("[data-testid=trace-recipients]").TextContent.Trim());
            Assert.Equal(["Failed", "Pending", "Delivered 2", "Expanded"],
                page.FindAll("[data-testid=trace-outcome-chip]").Select(c => c.TextContent.Trim()).Select(t => t.Replace(" 1", "")));
            Assert.Equal(5, page.FindAll("[data-testid=trace-recipient]").Count);
            Assert.Contains("2026-11-24 07:00\u00A0UTC-5", page.Find("[data-testid=trace-received]").TextContent);
            Assert.Contains("/protocol-logs?client=127.0.0.1", page.Find("[data-testid=timeline-protocol-log]").GetAttribute("href"));
            Assert.Contains(TraceExportEndpoint.Path, page.Find("#trace-export").GetAttribute("href"));
        }, WaitTimeout);
    }
}
