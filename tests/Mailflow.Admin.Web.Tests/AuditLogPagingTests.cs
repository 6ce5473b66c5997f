using Mailflow.Admin.Web.Components.Pages;
using Mailflow.Admin.Web.Identity;
using Mailflow.Auditing;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The audit log page over a long history: server-side paging, field-by-field changes, sign-ins in words, the CSV link following the filter.</summary>
public sealed class AuditLogPagingTests : MudBunitContext
{
    protected override bool SeedDefaults => false;

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<AdminSignInAudit>();

    private async Task SeedAsync(int count)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        for (var i = 0; i < count; i++)
            db.AuditEntries.Add(new AuditEntry
            {
                At = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(30 * i),
                Actor = i % 2 == 0 ? "alice" : "operations-team-member-with-a-long-name",
                Action = AuditAction.Update,
                ObjectType = "ReceiveConnector",
                ObjectId = Guid.NewGuid().ToString(),
                ObjectName = $"Partner relay {i:D3} for the northwind traders subsidiary",
                Before = $$"""{"name":"Partner relay {{i}}","maxMessageSizeBytes":10485760,"requireTls":false,"revision":{{i}}}""",
                After = $$"""{"name":"Partner relay {{i}}","maxMessageSizeBytes":52428800,"requireTls":true,"revision":{{i + 1}}}""",
                Generation = i + 1,
            });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Page_WithMoreEntriesThanAPage_ShowsTheFirstPageAndTheTotal()
    {
        SignInAs("bob", AdminRoles.ViewOnly);
        await SeedAsync(230);

        var page = Render<AuditLog>();
        page.WaitForAssertion(() => Assert.Equal(50, page.FindAll("[data-testid=audit-actor]").Count), WaitTimeout);

        Assert.Contains("Partner relay 229", page.FindAll("[data-testid=audit-object]")[0].TextContent); // newest first
        Assert.Contains("of 230", page.Find(".mud-table-page-number-information").TextContent);
    }

    [Fact]
    public async Task Changes_WhenExpanded_ListsEachChangedFieldWithBeforeAndAfter()
    {
        SignInAs("bob", AdminRoles.ViewOnly);
        await SeedAsync(3);
        var page = Render<AuditLog>();
        page.WaitForElement("[data-testid=audit-toggle]", WaitTimeout).Click();

        page.WaitForAssertion(() =>
        {
            var rows = page.FindAll("[data-testid=audit-field-change]").Select(r => string.Join("|", r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()))).ToList();
            Assert.Equal(["Max message size bytes|10485760|52428800", "Require tls|false|true"], rows);
        }, WaitTimeout);
    }

    [Fact]
    public async Task Filter_WhenTyped_NarrowsOnTheServerAndTheDownloadFollows()
    {
        SignInAs("bob", AdminRoles.ViewOnly);
        await SeedAsync(120);
        var page = Render<AuditLog>();
        page.WaitForAssertion(() => Assert.Equal(50, page.FindAll("[data-testid=audit-actor]").Count), WaitTimeout);

        page.Find("#audit-filter").Input("relay 11");

        page.WaitForAssertion(() => Assert.Equal(10, page.FindAll("[data-testid=audit-actor]").Count), WaitTimeout); // 110–119 ("011" reads "relay 011")
        page.WaitForAssertion(() => Assert.Contains("text=relay%2011", page.Find("#audit-export").GetAttribute("href")), WaitTimeout);
        Assert.NotNull(page.Find("input#audit-filter[data-mf-search]")); // the field "/" focuses
    }

    [Fact]
    public async Task SignIns_RecordedByTheAudit_AreShownInWords()
    {
        SignInAs("bob", AdminRoles.ViewOnly);
        var audit = Services.GetRequiredService<AdminSignInAudit>();
        await audit.RecordAsync(AuditAction.SignInFailed, "mallory", null, "wrong user name or password, from 198.51.100.7");
        await audit.RecordAsync(AuditAction.SignIn, "alice", "id-1", "signed in from 192.0.2.10");
        await audit.RecordAsync(AuditAction.PasswordChange, "alice", "id-1", "changed own password");

        var page = Render<AuditLog>();

        page.WaitForAssertion(() => Assert.Equal(["Password changed", "Signed in", "Sign-in failed"],
            page.FindAll("[data-testid=audit-action]").Select(a => a.TextContent.Trim())), WaitTimeout);
        Assert.Equal(["alice", "alice", "mallory"], page.FindAll("[data-testid=audit-actor]").Select(a => a.TextContent.Trim()));
    }
}
