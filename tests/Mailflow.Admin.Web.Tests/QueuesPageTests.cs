using Mailflow.Admin.Web.Components.Pages.Queues;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Admin.Web.Tests;

public sealed class QueuesPageTests : MudBunitContext
{
    private readonly RecordingQueueOperations _operations = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    protected override bool SeedDefaults => false;

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IQueueOperations>(_operations);
        services.AddSingleton<Queue.MessagePreviewReader>();
        services.AddSingleton<TimeProvider>(_time);
    }

    private IRenderedComponent<MudBlazor.MudDialogProvider>? _dialogs;

    private IRenderedComponent<Queues> RenderPage()
    {
        _dialogs = RenderProviders().Dialogs;
        var page = Render<Queues>();
        page.WaitForElement("#queued-messages", WaitTimeout);
        return page;
    }

    /// <summary>The text filters are debounced on the page's clock, which these tests drive.</summary>
    private void TypeFilter(IRenderedComponent<Queues> page, string selector, string text)
    {
        page.Find(selector).Input(text);
        _time.Advance(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void BulkRetry_WhenEverythingMatchingTheFilterIsConfirmed_RunsOneFilterWideActionAfterStatingTheCount()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        for (var i = 1; i <= 30; i++)
            _operations.Messages.Add(RecordingQueueOperations.Message(i, i <= 27 ? "alice@contoso.test" : "bob@fabrikam.test"));
        var page = RenderPage();
        var dialogs = _dialogs!;
        TypeFilter(page, "#filter-sender", "alice");
        page.WaitForAssertion(() => Assert.Equal("alice", _operations.Queries.Last().Sender), WaitTimeout);

        page.Find("#apply-to-all input, input#apply-to-all").Change(true);
        page.Find("#bulk-retry").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("27 message(s) matching sender contains 'alice'", dialogs.Markup), WaitTimeout);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Retry now").Click();

        page.WaitForAssertion(() =>
        {
            var (action, filter) = Assert.Single(_operations.FilterActions);
            Assert.Equal(QueueAction.RetryNow, action);
            Assert.Equal("alice", filter.Sender);
            Assert.IsNotType<QueueMessageQuery>(filter);
        }, WaitTimeout);
        Assert.Empty(_operations.Actions);
    }

    [Fact]
    public void BulkSuspend_WhileTheFilterWideActionRuns_ShowsProgressThenTheChangedCount()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        for (var i = 1; i <= 12; i++)
            _operations.Messages.Add(RecordingQueueOperations.Message(i));
        var running = new TaskCompletionSource();
        _operations.FilterActionGate = running.Task;
        var page = RenderPage();
        var dialogs = _dialogs!;
        page.WaitForAssertion(() => Assert.Equal(12, page.FindAll("[data-testid=message-queue-id]").Count), WaitTimeout);

        page.Find("#apply-to-all input, input#apply-to-all").Change(true);
        page.Find("#bulk-suspend").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("12 message(s) matching all messages still queued", dialogs.Markup), WaitTimeout);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Suspend").Click();

        page.WaitForAssertion(() => Assert.Contains("Suspend: 12 message(s)", page.Find("#bulk-progress").TextContent), WaitTimeout);
        running.SetResult();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("#bulk-progress")), WaitTimeout);
        var snackbar = Services.GetRequiredService<MudBlazor.ISnackbar>();
        page.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message == "Suspend: 12 of 12 matching message(s) changed."), WaitTimeout);
    }

    [Fact]
    public void AutoRefresh_WhenTheTimerFires_ReloadsTheSamePageAndKeepsTheSelection()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        for (var i = 1; i <= 60; i++)
            _operations.Messages.Add(RecordingQueueOperations.Message(i));
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(25, page.FindAll("[data-testid=message-queue-id]").Count), WaitTimeout);
        page.Find("button[aria-label='Next page']").Click();
        page.WaitForAssertion(() => Assert.Equal(25, _operations.Queries.Last().Skip), WaitTimeout);
        page.FindAll("#queued-messages tbody input[type=checkbox]")[2].Change(true);
        page.WaitForAssertion(() => Assert.Equal("1 selected", page.Find("#selection-count").TextContent.Trim()), WaitTimeout);
        var before = _operations.Queries.Count;

        _time.Advance(TimeSpan.FromSeconds(Queues.RefreshSeconds));

        page.WaitForAssertion(() => Assert.True(_operations.Queries.Count > before), WaitTimeout);
        Assert.Equal(25, _operations.Queries.Last().Skip);
        page.WaitForAssertion(() =>
        {
            Assert.Equal("1 selected", page.Find("#selection-count").TextContent.Trim());
            Assert.True(((AngleSharp.Html.Dom.IHtmlInputElement)page.FindAll("#queued-messages tbody input[type=checkbox]")[2]).IsChecked);
        }, WaitTimeout);
    }

    [Fact]
    public void Grid_ShowsRecipientsAttemptsAndLastError()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Messages.Add(RecordingQueueOperations.Message(4) with { RecipientCount = 3 });

        var page = RenderPage();

        page.WaitForAssertion(() => Assert.Equal("rcpt4@fabrikam.test +2", page.Find("[data-testid=message-recipients]").TextContent.Trim()), WaitTimeout);
        Assert.Equal("451 4.7.1 Greylisted", page.Find("[data-testid=message-last-error]").TextContent.Trim());
    }

    [Fact]
    public void BulkRemove_WhenConfirmationIsCancelled_RemovesNothing()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Messages.Add(RecordingQueueOperations.Message(1));
        var page = RenderPage();
        var dialogs = _dialogs!;
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=message-queue-id]")), WaitTimeout);

        page.Find("#apply-to-all input, input#apply-to-all").Change(true);
        page.Find("#bulk-remove-ndr").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("non-delivery report", dialogs.Markup), WaitTimeout);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        dialogs.WaitForAssertion(() => Assert.DoesNotContain("non-delivery report", dialogs.Markup), WaitTimeout);
        Assert.Empty(_operations.Actions);
    }

    [Fact]
    public void Grid_WhenOpened_AsksForTheFirstPageNewestFirst()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        for (var i = 1; i <= 60; i++)
            _operations.Messages.Add(RecordingQueueOperations.Message(i));

        var page = RenderPage();

        page.WaitForAssertion(() => Assert.Equal(25, page.FindAll("[data-testid=message-queue-id]").Count), WaitTimeout);
        var query = _operations.Queries.Last();
        Assert.Equal(0, query.Skip);
        Assert.Equal(25, query.Take);
        Assert.Equal(QueueMessageSort.ReceivedAt, query.SortBy);
        Assert.True(query.Descending);
        Assert.Null(query.NextHopKey);
    }

    [Fact]
    public void Grid_WhenSenderFilterIsTyped_QueriesWithThatSender()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Messages.Add(RecordingQueueOperations.Message(1, "alice@contoso.test"));
        _operations.Messages.Add(RecordingQueueOperations.Message(2, "bob@fabrikam.test"));
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=message-queue-id]").Count), WaitTimeout);

        TypeFilter(page, "#filter-sender", "fabrikam");

        page.WaitForAssertion(() =>
        {
            Assert.Equal("fabrikam", _operations.Queries.Last().Sender);
            Assert.Equal("Q000002", Assert.Single(page.FindAll("[data-testid=message-queue-id]")).TextContent.Trim());
        }, WaitTimeout);
    }

    [Fact]
    public void Queue_WhenRowIsClicked_DrillsIntoThatNextHop()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Queues.Add(new NextHopQueueSummary("smtp:smarthost.test", 3, 3, NextHopQueueStatus.Retry, null, "451 4.3.0 try later"));
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Contains("451 4.3.0 try later", page.Find("[data-testid=queue-last-error]").TextContent), WaitTimeout);

        page.Find("[data-testid=queue-next-hop]").Click();

        page.WaitForAssertion(() =>
        {
            Assert.Equal("smtp:smarthost.test", _operations.Queries.Last().NextHopKey);
            Assert.Contains("smtp:smarthost.test", page.Find("#messages-title").TextContent);
        }, WaitTimeout);
    }

    [Fact]
    public void Actions_WhenAdminIsViewOnly_AreHidden()
    {
        SignInAs("bob", AdminRoles.ViewOnly);
        _operations.Queues.Add(new NextHopQueueSummary("smtp:smarthost.test", 1, 1, NextHopQueueStatus.Retry, null, null));
        _operations.Messages.Add(RecordingQueueOperations.Message(1));

        var page = RenderPage();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=message-queue-id]")), WaitTimeout);
        Assert.NotNull(page.Find("#read-only-notice"));
        Assert.Empty(page.FindAll("#bulk-actions"));
        Assert.Empty(page.FindAll("[data-testid^=retry-queue-]"));
        Assert.Empty(page.FindAll("#queued-messages input[type=checkbox]"));
    }

    [Fact]
    public void Actions_WhenAdminManagesTheOrganization_AreShown()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        _operations.Queues.Add(new NextHopQueueSummary("smtp:smarthost.test", 1, 1, NextHopQueueStatus.Retry, null, null));

        var page = RenderPage();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid='retry-queue-smtp:smarthost.test']")), WaitTimeout);
        Assert.NotNull(page.Find("#bulk-retry"));
        Assert.Empty(page.FindAll("#read-only-notice"));
    }
}
