using Mailflow.Admin.Web.Components.Pages.Protection;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class QuarantinePageTests : MudBunitContext
{
    private readonly RecordingQuarantine _quarantine = new();

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IQuarantine>(_quarantine);
        services.AddSingleton<IModeration>(_quarantine);
        services.AddSingleton<IQueueOperations>(new RecordingQueueOperations());
    }

    private static QuarantinedMessage Spam(string queueId, string sender) => new(queueId, 1, 2048, new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 12, 22, 9, 0, 0, TimeSpan.Zero), sender, sender, "Cheap watches", ["postmaster@contoso.test"], QuarantineSource.AntiSpam,
        "Held by a transport agent: spam, score 17.2 of 15, Rspamd action 'reject'", 17.2, 9, ["GTUBE", "R_SPF_NA"]);

    private IRenderedComponent<Quarantine> RenderPage()
    {
        var page = Render<Quarantine>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public void HeldMessage_ShowsWhyScoreAndSymbols_AndTheActionsCallTheQuarantine()
    {
        _quarantine.Held.Add(Spam("Q1", "sender@fabrikam.test"));
        _quarantine.Held.Add(Spam("Q2", "other@fabrikam.test"));
        _quarantine.Held.Add(Spam("Q3", "third@fabrikam.test"));
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        var row = page.Find("tr.quarantined[data-queue-id='Q1']");
        Assert.Contains("Anti-spam", row.TextContent);
        Assert.Contains("spam, score 17.2 of 15", row.QuerySelector(".reason")!.TextContent);
        Assert.Contains("Symbols: GTUBE, R_SPF_NA", row.TextContent);
        Assert.Equal("17.2 (SCL 9)", row.QuerySelector(".score")!.TextContent.Trim());

        page.Find("tr.quarantine-actions[data-queue-id='Q1'] button.release-allow").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("tr.quarantined[data-queue-id='Q1']")), WaitTimeout);
        page.Find("tr.quarantine-actions[data-queue-id='Q2'] button.learn-spam").Click();
        page.WaitForAssertion(() => Assert.Contains("Rspamd answered HTTP 200: {\"success\":true}", page.Find("#learn-answer").TextContent), WaitTimeout);
        page.Find("tr.quarantine-actions[data-queue-id='Q3'] button.delete").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("tr.quarantined[data-queue-id='Q3']")), WaitTimeout);

        Assert.Equal(["release+allow Q1 by alice", "learn spam Q2 by alice", "delete Q3 by alice"], _quarantine.Calls);
    }

    [Fact]
    public void Reject_AsksTheModerationToRejectWithAnNdr_When_AModeratorClicksIt()
    {
        _quarantine.Held.Add(Spam("Q1", "sender@fabrikam.test") with { Source = QuarantineSource.Rule, Reason = "Held by mail flow rule 'Approve contracts' for approval by legal@contoso.test" });
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        Assert.Contains("for approval by legal@contoso.test", page.Find("tr.quarantined[data-queue-id='Q1'] .reason").TextContent);
        page.Find("tr.quarantine-actions[data-queue-id='Q1'] button.reject").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("tr.quarantined[data-queue-id='Q1']")), WaitTimeout);
        Assert.Equal(["reject Q1 by alice"], _quarantine.Calls);
    }

    [Fact]
    public void ReleaseToSome_ReleasesToTheTickedRecipients_TheOthersStayHeld()
    {
        _quarantine.Held.Add(Spam("Q1", "sender@fabrikam.test") with { Recipients = ["alice@contoso.test", "bob@contoso.test", "carol@contoso.test"] });
        _quarantine.Held.Add(Spam("Q2", "other@fabrikam.test"));
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();
        // One recipient: nothing to choose.
        Assert.Empty(page.FindAll("tr.quarantine-actions[data-queue-id='Q2'] button.release-some"));

        page.Find("tr.quarantine-actions[data-queue-id='Q1'] button.release-some").Click();
        Assert.True(page.Find(".release-recipients button.release-chosen").HasAttribute("disabled"));
        page.Find(".release-recipients [data-recipient='bob@contoso.test'] input").Change(true);
        page.Find(".release-recipients [data-recipient='carol@contoso.test'] input").Change(true);
        page.Find(".release-recipients [data-recipient='carol@contoso.test'] input").Change(false);
        page.Find(".release-recipients [data-recipient='alice@contoso.test'] input").Change(true);
        Assert.Equal("Release to 2", page.Find(".release-recipients button.release-chosen").TextContent.Trim());
        page.Find(".release-recipients button.release-chosen").Click();

        page.WaitForAssertion(() =>
        {
            Assert.Empty(page.FindAll(".release-recipients"));
            Assert.Contains("carol@contoso.test", page.Find("tr.quarantined[data-queue-id='Q1']").TextContent);
            Assert.DoesNotContain("bob@contoso.test", page.Find("tr.quarantined[data-queue-id='Q1']").TextContent);
        }, WaitTimeout);
        Assert.Equal(["release Q1 to alice@contoso.test bob@contoso.test by alice"], _quarantine.Calls);
    }

    [Fact]
    public void ViewOnlyAdmin_SeesWhatIsHeld_ButNoActions()
    {
        _quarantine.Held.Add(Spam("Q1", "sender@fabrikam.test"));
        SignInAs("viewer", AdminRoles.ViewOnly);
        RenderProviders();
        var page = RenderPage();

        page.Find("#read-only-notice");
        page.Find("tr.quarantined[data-queue-id='Q1']");
        Assert.Empty(page.FindAll("button.release"));
        Assert.Empty(page.FindAll("button.delete"));
    }

    [Fact]
    public void EmptyQuarantine_SaysSo()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        Assert.Equal("Nothing is held in quarantine.", page.Find("#quarantine-empty").TextContent);
    }

    /// <summary>Records what the page asked for (the real quarantine is tested on the wire with Rspamd in the integration tests).</summary>
    private sealed class RecordingQuarantine : IQuarantine, IModeration
    {
        public Task<bool> RejectAsync(AdminActor actor, string queueId, string? reason, CancellationToken cancellationToken = default)
        {
            Calls.Add($"reject {queueId} by {actor.Name}");
            return Task.FromResult(Held.RemoveAll(m => m.QueueId == queueId) > 0);
        }

        public List<QuarantinedMessage> Held { get; } = [];
        public List<string> Calls { get; } = [];

        public Task<IReadOnlyList<QuarantinedMessage>> ListAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<QuarantinedMessage>>([.. Held]);

        public Task<QuarantinedMessage?> GetAsync(string queueId, CancellationToken cancellationToken = default) => Task.FromResult(Held.FirstOrDefault(m => m.QueueId == queueId));

        public Task<bool> ReleaseAsync(AdminActor actor, string queueId, bool allowSender, CancellationToken cancellationToken = default)
        {
            Calls.Add($"release{(allowSender ? "+allow" : "")} {queueId} by {actor.Name}");
            return Task.FromResult(Held.RemoveAll(m => m.QueueId == queueId) > 0);
        }

        public Task<QuarantinePartialRelease?> ReleaseToAsync(AdminActor actor, string queueId, IReadOnlyCollection<string> recipients, CancellationToken cancellationToken = default)
        {
            Calls.Add($"release {queueId} to {string.Join(" ", recipients.Order())} by {actor.Name}");
            var held = Held.Single(m => m.QueueId == queueId);
            var stillHeld = held.Recipients.Except(recipients).ToList();
            Held[Held.IndexOf(held)] = held with { Recipients = stillHeld };
            return Task.FromResult<QuarantinePartialRelease?>(new QuarantinePartialRelease(queueId, "Q9", [.. recipients], stillHeld));
        }

        public Task<bool> DeleteAsync(AdminActor actor, string queueId, CancellationToken cancellationToken = default)
        {
            Calls.Add($"delete {queueId} by {actor.Name}");
            return Task.FromResult(Held.RemoveAll(m => m.QueueId == queueId) > 0);
        }

        public Task<QuarantineLearnResult> LearnAsync(AdminActor actor, string queueId, bool spam, CancellationToken cancellationToken = default)
        {
            Calls.Add($"learn {(spam ? "spam" : "ham")} {queueId} by {actor.Name}");
            return Task.FromResult(new QuarantineLearnResult(true, 200, "{\"success\":true}"));
        }
    }
}
