using Mailflow.Admin.Web.Components.Pages.Trace;
using Mailflow.Admin.Web.Tracking;
using Mailflow.Tracking;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Tests;

public sealed class TrackingTimelineTests : MudBunitContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    protected override bool SeedDefaults => false;

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<MessageTraceQuery>();

    private static MessageTrackingEvent Event(long id, MessageTrackingEventKind kind, int seconds, string queueId = "Q1") => new()
    {
        Id = id, Time = T0.AddSeconds(seconds), Node = "node-a", Kind = kind, QueueId = queueId, InternetMessageId = $"<{queueId}@contoso.test>",
        Sender = "alice@contoso.test", Recipients = "bob@fabrikam.test", RecipientCount = 1, Subject = $"Hello {queueId}",
    };

    [Fact]
    public void Timeline_WhenEventsArriveOutOfOrder_ShowsThemInTimeOrderWithRepliesAndRuleMatches()
    {
        var defer = Event(2, MessageTrackingEventKind.Defer, 5);
        defer.NextHop = "smtp:smarthost.test";
        defer.ReplyCode = 451;
        defer.Reply = "4.3.0 try later";
        defer.RemoteHost = "127.0.0.1";
        var agent = Event(3, MessageTrackingEventKind.Agent, 1);
        agent.Detail = "rule 'Tag external' matched: prepend subject";
        var events = new[] { defer, Event(1, MessageTrackingEventKind.Receive, 0), agent };

        var timeline = Render<TrackingTimeline>(p => p.Add(x => x.Events, events));

        var rows = timeline.FindAll("[data-testid=timeline-event]");
        Assert.Equal(["Receive", "Agent", "Defer"], rows.Select(r => r.GetAttribute("data-kind")));
        Assert.Contains("prepend subject", rows[1].QuerySelector("[data-testid=timeline-detail]")!.TextContent);
        Assert.Contains("451 4.3.0 try later", rows[2].QuerySelector("[data-testid=timeline-reply]")!.TextContent);
        Assert.Contains("smtp:smarthost.test", rows[2].QuerySelector("[data-testid=timeline-next-hop]")!.TextContent);
    }

    [Fact]
    public void Timeline_WhenThereAreNoEvents_SaysSo()
    {
        var timeline = Render<TrackingTimeline>(p => p.Add(x => x.Events, Array.Empty<MessageTrackingEvent>()));

        Assert.Contains("No tracking events", timeline.Find("[data-testid=timeline-empty]").TextContent);
    }

    [Fact]
    public async Task Search_WhenOneEventMatchesTheRecipient_ReturnsThatMessageWithAllItsEvents()
    {
        var factory = Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var other = Event(0, MessageTrackingEventKind.Receive, 0, "Q2");
            other.Recipients = "carol@elsewhere.test";
            var deliver = Event(0, MessageTrackingEventKind.Deliver, 9);
            deliver.Recipients = "bob@fabrikam.test";
            var receive = Event(0, MessageTrackingEventKind.Receive, 0);
            receive.Recipients = "";
            db.MessageTrackingEvents.AddRange(receive, deliver, other);
            await db.SaveChangesAsync();
        }
        var query = new MessageTraceQuery(factory);

        var found = await query.SearchAsync(new MessageTraceSearch { Recipient = "BOB@", From = T0.AddHours(-1), To = T0.AddHours(1) }, CancellationToken.None);

        var message = Assert.Single(found);
        Assert.Equal("Q1", message.QueueId);
        Assert.Equal([MessageTrackingEventKind.Receive, MessageTrackingEventKind.Deliver], message.Events.Select(e => e.Kind));
        Assert.Equal(MessageTrackingEventKind.Deliver, message.LastKind);
    }

    [Fact]
    public async Task Search_WhenGivenABareMessageId_FindsTheMessage()
    {
        var factory = Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.MessageTrackingEvents.AddRange(Event(0, MessageTrackingEventKind.Receive, 0), Event(0, MessageTrackingEventKind.Receive, 0, "Q2"));
            await db.SaveChangesAsync();
        }

        var found = await new MessageTraceQuery(factory).SearchAsync(
            new MessageTraceSearch { MessageOrQueueId = "Q2@contoso.test", From = T0.AddHours(-1), To = T0.AddHours(1) }, CancellationToken.None);

        Assert.Equal("Q2", Assert.Single(found).QueueId);
    }

    private async Task SeedAsync(params MessageTrackingEvent[] events)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        db.MessageTrackingEvents.AddRange(events);
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task TracePage_WhenACustomDayRangeIsPicked_FindsOnlyMessagesOfThoseDays()
    {
        var early = Event(0, MessageTrackingEventKind.Receive, 0, "EARLY");
        early.Time = new DateTimeOffset(2026, 11, 20, 23, 30, 0, TimeSpan.Zero);
        var late = Event(0, MessageTrackingEventKind.Receive, 0, "LATE");
        late.Time = new DateTimeOffset(2026, 11, 22, 0, 15, 0, TimeSpan.Zero);
        await SeedAsync(early, late);
        SignInAs("alice", Mailflow.Identity.AdminRoles.ViewOnly);
        RenderProviders();
        var page = Render<MessageTrace>();

        await page.InvokeAsync(() => page.FindComponent<MudSelect<int>>().Instance.ValueChanged.InvokeAsync(0));
        var pickers = page.FindComponents<MudDatePicker>();
        Assert.Equal(2, pickers.Count);
        await page.InvokeAsync(() => pickers[0].Instance.DateChanged.InvokeAsync(new DateTime(2026, 11, 20)));
        await page.InvokeAsync(() => pickers[1].Instance.DateChanged.InvokeAsync(new DateTime(2026, 11, 21)));
        page.Find("#trace-form").Submit();

        page.WaitForAssertion(() => Assert.Equal(["EARLY"], page.FindAll("[data-testid=trace-queue-id]").Select(e => e.TextContent.Trim())), WaitTimeout);
    }

    [Fact]
    public async Task TracePage_WhenTheCustomRangeIsIncomplete_ExplainsNextToTheField()
    {
        SignInAs("alice", Mailflow.Identity.AdminRoles.ViewOnly);
        RenderProviders();
        var page = Render<MessageTrace>();

        await page.InvokeAsync(() => page.FindComponent<MudSelect<int>>().Instance.ValueChanged.InvokeAsync(0));
        await page.InvokeAsync(() => page.FindComponents<MudDatePicker>()[0].Instance.DateChanged.InvokeAsync(new DateTime(2026, 11, 20)));
        page.Find("#trace-form").Submit();

        page.WaitForAssertion(() => Assert.Contains("Pick the first and the last day to search.", page.Markup), WaitTimeout);
        Assert.Empty(page.FindAll("#trace-count"));
        Assert.Empty(page.FindAll("#trace-empty"));
    }
}
