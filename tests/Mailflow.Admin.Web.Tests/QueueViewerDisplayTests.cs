using Mailflow.Admin.Web.Components.Pages.Queues;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Admin.Web.Tests;

/// <summary>What the queue viewer shows: names instead of keys, operator statuses, the stuck line, the digest, times in the admin's zone.</summary>
public sealed class QueueViewerDisplayTests : MudBunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private readonly RecordingQueueOperations _operations = new();
    private readonly FakeTimeProvider _time = new(Now);

    protected override bool SeedDefaults => false;

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IQueueOperations>(_operations);
        services.AddSingleton<Queue.MessagePreviewReader>();
        services.AddSingleton<TimeProvider>(_time);
    }

    private IRenderedComponent<Queues> RenderPage()
    {
        JSInterop.Setup<string?>("mailflowTime.zone").SetResult("Europe/Berlin");
        RenderProviders();
        var page = Render<Queues>();
        page.WaitForElement("#queued-messages", WaitTimeout);
        return page;
    }

    [Fact]
    public void QueueList_ShowsTheConnectorNameAndWhyTheQueueIsStuck_InTheAdminsZone_NotTheKey()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        const string key = "smarthost:3b6648c9-1111-4222-8333-444455556666";
        _operations.Queues.Add(new NextHopQueueSummary(key, 4, 5, NextHopQueueStatus.Retry, Now.AddMinutes(20), "451 4.7.1 Greylisted, try again later",
            Name: new NextHopName(key, NextHopKeyKind.SmartHost, "Outbound to partners through the regional relay", "smart host relay.partner.test:2525"),
            LastErrorAt: Now.AddMinutes(-1), LastErrorAttempts: 3, OldestQueuedAt: Now.AddHours(-2), DeliveringNodes: []));

        var page = RenderPage();

        page.WaitForAssertion(() =>
        {
            var hop = page.Find("[data-testid=queue-next-hop]");
            Assert.Contains("Outbound to partners through the regional relay", hop.TextContent);
            Assert.Contains("smart host relay.partner.test:2525", hop.TextContent);
            Assert.DoesNotContain("3b6648c9", hop.QuerySelector(".next-hop")!.TextContent);
            var stuck = page.Find("[data-testid=queue-stuck]").TextContent;
            Assert.Contains("policy reasons", stuck);
            Assert.Contains("451 4.7.1 Greylisted", stuck);
            Assert.Contains("3 attempts", stuck);
            // Berlin is UTC+1 in November: the times are the admin's, with the zone.
            Assert.Contains("waiting since 2026-11-24 11:00 UTC+1", stuck);
            Assert.Contains("next retry 2026-11-24 13:20 UTC+1", stuck);
        }, WaitTimeout);
    }

    [Fact]
    public void PoisonQueue_WhenClicked_ListsThePoisonMessages()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Queues.Add(new NextHopQueueSummary("", 1, 1, NextHopQueueStatus.Suspended, null, null, NextHopQueueKind.Poison,
            new NextHopName("", null, "Poison", "crashed processing 2 times"), DeliveringNodes: []));
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal("Poison", page.Find("[data-testid=queue-status]").TextContent.Trim()), WaitTimeout);

        page.Find("[data-testid=queue-next-hop]").Click();

        page.WaitForAssertion(() =>
        {
            Assert.Equal(QueueMessageStatus.Poison, _operations.Queries.Last().Status);
            Assert.Null(_operations.Queries.Last().NextHopKey);
            Assert.Contains("Messages in Poison", page.Find("#messages-title").TextContent);
        }, WaitTimeout);
        Assert.Empty(page.FindAll("[data-testid^=retry-queue-]"));
    }

    [Fact]
    public void MessageGrid_ShowsOperatorStatusAndNode_AndNoStaleNextAttemptForASuspendedMessage()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Messages.Add(RecordingQueueOperations.Message(1, "alice@contoso.test") with
        {
            Status = QueueMessageStatus.Suspended, NextAttemptAt = Now.AddMinutes(-30), ReceivingNode = "mx-frankfurt-01", Size = 14_540,
        });

        var page = RenderPage();

        page.WaitForAssertion(() =>
        {
            Assert.Equal("Suspended", page.Find("[data-testid=message-status]").TextContent.Trim());
            Assert.Equal("mx-frankfurt-01", page.Find("[data-testid=message-node]").TextContent.Trim());
            Assert.Equal("—", page.Find("[data-testid=message-next-attempt]").TextContent.Trim());
            Assert.Contains("14.2 KB", page.Find("#queued-messages").TextContent);
        }, WaitTimeout);
    }

    [Fact]
    public void Digest_ShowsCountsPerStatusAndNode_AndAChipFiltersTheGrid()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Digest = new QueueDigest(
            new Dictionary<QueueMessageStatus, int> { [QueueMessageStatus.Ready] = 3, [QueueMessageStatus.Retry] = 7, [QueueMessageStatus.Poison] = 1 },
            [new QueueDigestNode("node-a", 8, 2, Now.AddSeconds(-3)), new QueueDigestNode("node-b", 3, 0, Now.AddSeconds(-4))]);
        _operations.Queues.Add(new NextHopQueueSummary("local:maildir", 1, 1, NextHopQueueStatus.Ready, null, null, DeliveringNodes: []));
        var page = RenderPage();

        page.WaitForAssertion(() =>
        {
            Assert.Equal("11", page.Find("#digest-total").TextContent.Trim());
            Assert.Equal(["node-a", "node-b"], page.FindAll("[data-testid=digest-node] b").Select(b => b.TextContent));
            Assert.Contains("8 queued, 2 delivering", page.FindAll("[data-testid=digest-node]")[0].TextContent);
        }, WaitTimeout);

        page.Find("[data-testid=digest-Retry]").Click();

        page.WaitForAssertion(() => Assert.Equal(QueueMessageStatus.Retry, _operations.Queries.Last().Status), WaitTimeout);
    }

    [Theory]
    [InlineData(812, "812 B")]
    [InlineData(14_540, "14.2 KB")]
    [InlineData(3_250_000, "3.1 MB")]
    public void SizeText_ReadsLikeAMailClient(long bytes, string expected) => Assert.Equal(expected, Queues.SizeText(bytes));
}
