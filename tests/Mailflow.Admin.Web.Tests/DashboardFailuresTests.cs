using Mailflow.Admin.Web.Components.Pages;
using Mailflow.Admin.Web.Dashboard;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Queue;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The dashboard's failure grouping, SMTP-time refusal counts, node listener health and first-run checklist, with realistic volumes.</summary>
public sealed class DashboardFailuresTests : MudBunitContext
{
    private const string LongHop = "smarthost:3b6648c9-0c1e-4d5f-9a4e-relay-through-the-very-long-named-partner-gateway.fabrikam.example";
    private const string OtherHop = "mx:northwind-traders-subsidiary-with-a-long-name.example";

    protected override bool SeedDefaults => false;

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IQueueOperations>(new RecordingQueueOperations());
        services.AddSingleton<TimeProvider>(TimeProvider.System);
        services.AddSingleton<DashboardQuery>();
    }

    private IDbContextFactory<MailflowDbContext> Factory => Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();

    private static MessageTrackingEvent Failure(int n, MessageTrackingEventKind kind, int code, string enhanced, string hop, string text) => new()
    {
        Time = DateTimeOffset.UtcNow.AddMinutes(-(n % 50)), Node = "node-a", Kind = kind, QueueId = $"Q{n:D5}", Sender = "billing@contoso.test",
        Recipients = $"customer{n}@fabrikam.example", RecipientCount = 1, NextHop = hop, ReplyCode = code,
        Reply = $"{code} {enhanced} <customer{n}@fabrikam.example>: {text}",
    };

    /// <summary>A receive-time agent decision as the session's decision log writes it (no queue id).</summary>
    private static MessageTrackingEvent Refusal(int n, SmtpRefusalKind kind) => new()
    {
        Time = DateTimeOffset.UtcNow.AddMinutes(-(n % 40)), Node = "node-a", Kind = MessageTrackingEventKind.Agent, Sender = $"spam{n}@example.net",
        Recipients = $"victim{n}@elsewhere.example", RecipientCount = 1, RemoteHost = "203.0.113.9",
        ReplyCode = kind == SmtpRefusalKind.AuthFailed ? null : 550,
        Reply = kind switch
        {
            SmtpRefusalKind.RelayDenied => "550 5.7.54 Unable to relay recipient in non-accepted domain",
            SmtpRefusalKind.UnknownRecipient => "550 5.1.1 Recipient address rejected: user unknown",
            SmtpRefusalKind.RejectedByRule => "550 5.7.1 Delivery not authorized, message refused",
            _ => null,
        },
        Detail = kind switch
        {
            SmtpRefusalKind.RelayDenied => $"{SmtpRefusal.RelayAgentDisplayName} at RCPT TO (victim{n}@elsewhere.example): rejected — 550 5.7.54 … — relay denied (session s{n})",
            SmtpRefusalKind.UnknownRecipient => $"{SmtpRefusal.RelayAgentDisplayName} at RCPT TO (x@contoso.test): rejected — 550 5.1.1 … — no such recipient (session s{n})",
            SmtpRefusalKind.AuthFailed => $"{SmtpRefusal.AuthFailureAgentDisplayName} at AUTH: passed — AUTH PLAIN failed (1 of 3 allowed in this session) (session s{n})",
            _ => $"{SmtpRefusal.RulesAgentDisplayName} at end of data: rejected — 550 5.7.1 … — rule 'Block invoices' (session s{n})",
        },
    };

    private async Task SeedAsync(params IEnumerable<MessageTrackingEvent>[] events)
    {
        await using var db = await Factory.CreateDbContextAsync();
        foreach (var batch in events)
            db.MessageTrackingEvents.AddRange(batch);
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Load_WhenEveryRecipientGetsItsOwnReplyText_GroupsByCodeEnhancedCodeAndNextHop()
    {
        await SeedAsync(
            Enumerable.Range(0, 30).Select(n => Failure(n, MessageTrackingEventKind.Fail, 550, "5.1.1", LongHop, "user unknown")),
            Enumerable.Range(100, 12).Select(n => Failure(n, MessageTrackingEventKind.Defer, 451, "4.7.1", LongHop, "greylisted, try again")),
            Enumerable.Range(200, 7).Select(n => Failure(n, MessageTrackingEventKind.Fail, 550, "5.1.1", OtherHop, "no such mailbox")));

        var snapshot = await Services.GetRequiredService<DashboardQuery>().LoadAsync(CancellationToken.None);

        Assert.Equal(
            [("550 5.1.1", LongHop, 30), ("451 4.7.1", LongHop, 12), ("550 5.1.1", OtherHop, 7)],
            snapshot.TopFailures.Select(f => (f.Codes, f.NextHop!, f.Count)));
        Assert.Contains("user unknown", snapshot.TopFailures[0].Example);
    }

    [Fact]
    public async Task Load_WhenSessionsWereRefused_CountsEachKindOfRefusal()
    {
        await SeedAsync(
            Enumerable.Range(0, 25).Select(n => Refusal(n, SmtpRefusalKind.RelayDenied)),
            Enumerable.Range(0, 9).Select(n => Refusal(n, SmtpRefusalKind.AuthFailed)),
            Enumerable.Range(0, 3).Select(n => Refusal(n, SmtpRefusalKind.RejectedByRule)),
            [Older(Refusal(99, SmtpRefusalKind.RelayDenied))]);

        var snapshot = await Services.GetRequiredService<DashboardQuery>().LoadAsync(CancellationToken.None);

        Assert.Equal(25, snapshot.Refusals.PerKind[SmtpRefusalKind.RelayDenied]);
        Assert.Equal(9, snapshot.Refusals.PerKind[SmtpRefusalKind.AuthFailed]);
        Assert.Equal(3, snapshot.Refusals.PerKind[SmtpRefusalKind.RejectedByRule]);
        Assert.Equal(0, snapshot.Refusals.PerKind[SmtpRefusalKind.UnknownRecipient]);
    }

    private static MessageTrackingEvent Older(MessageTrackingEvent e)
    {
        e.Time = DateTimeOffset.UtcNow.AddHours(-3);
        return e;
    }

    [Fact]
    public async Task Page_WhenFailuresRefusalsAndABindFailureExist_ShowsGroupsCountsFailedInRedAndTheNodeAsListenerDown()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await SeedAsync(
            Enumerable.Range(0, 30).Select(n => Failure(n, MessageTrackingEventKind.Fail, 550, "5.1.1", LongHop, "user unknown")),
            Enumerable.Range(0, 4).Select(n => Refusal(n, SmtpRefusalKind.AuthFailed)));
        await using (var db = await Factory.CreateDbContextAsync())
        {
            db.Nodes.Add(new NodeRegistration
            {
                Name = "node-a", Address = "mx1.contoso.test", StartedAt = DateTimeOffset.UtcNow.AddHours(-1), LastHeartbeat = DateTimeOffset.UtcNow, ActiveGeneration = 3,
                ListenerFailures = ListenerBindFailure.Serialize([new ListenerBindFailure(Guid.NewGuid(), "Partner relay on the standard port", "0.0.0.0:25", "Address already in use")]),
            });
            await db.SaveChangesAsync();
        }

        var page = Render<Home>();
        page.WaitForElement("#dashboard-failures [data-testid=failure-reason]", WaitTimeout);

        var group = Assert.Single(page.FindAll("[data-testid=failure-reason]"));
        Assert.Equal("550 5.1.1", group.QuerySelector("[data-testid=failure-codes]")!.TextContent.Trim());
        Assert.Equal("30", group.QuerySelector("[data-testid=failure-count]")!.TextContent.Trim());
        Assert.Contains("mud-error-text", page.Find("[data-testid=rates-failed]").ClassName);
        Assert.Contains("4", page.Find("[data-testid=refusal-count][data-kind=AuthFailed]").TextContent);
        Assert.Equal("Listener down", page.Find("[data-testid=node-health]").TextContent.Trim());
        Assert.Contains("0.0.0.0:25: Address already in use", page.Find("[data-testid=node-listener-failure]").TextContent);
        Assert.Empty(page.FindAll("#first-run")); // mail has flowed: failures are traffic
    }

    [Fact]
    public async Task Page_OnAnEmptySystem_ShowsTheFirstRunChecklistWithEachStepsState()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await using (var db = await Factory.CreateDbContextAsync())
        {
            db.AcceptedDomains.Add(new AcceptedDomain { Id = Guid.NewGuid(), DomainName = MailflowOptions.PlaceholderDomain });
            await db.SaveChangesAsync();
        }

        var page = Render<Home>();
        page.WaitForElement("#first-run", WaitTimeout);

        Assert.Equal("false", page.Find("#first-run-domain").GetAttribute("data-done"));
        Assert.Equal("false", page.Find("#first-run-destination").GetAttribute("data-done"));

        await using (var db = await Factory.CreateDbContextAsync())
        {
            db.AcceptedDomains.Add(new AcceptedDomain { Id = Guid.NewGuid(), DomainName = "contoso.com" });
            await db.SaveChangesAsync();
        }
        var reloaded = Render<Home>();
        reloaded.WaitForElement("#first-run", WaitTimeout);
        Assert.Equal("true", reloaded.Find("#first-run-domain").GetAttribute("data-done"));
    }
}
