using Mailflow.Admin.Web.Components.Pages.Recipients;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The recipients page over a large directory: server-side paging and search, the password column, and a password set or generated at creation.</summary>
public sealed class RecipientsPagingTests : MudBunitContext
{
    private RecipientService Recipients => Services.GetRequiredService<RecipientService>();

    private async Task SeedMailboxesAsync(int count)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        for (var i = 0; i < count; i++)
            db.Recipients.Add(new Recipient
            {
                Kind = RecipientKind.Mailbox,
                PrimaryAddress = $"employee-{i:D5}@research-and-development.mailflow.local",
                DisplayName = $"Employee {i:D5} of the research and development department",
                DeliveryTarget = $"maildir/employee-{i:D5}",
                SubmissionPasswordHash = i % 2 == 0 ? "AQAAAAIAAYagAAAAE-not-a-real-hash" : null,
            });
        await db.SaveChangesAsync();
    }

    private IRenderedComponent<RecipientsPage> RenderPage()
    {
        var page = Render<RecipientsPage>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#recipients [data-testid=recipient-address]")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task Page_WithThousandsOfRecipients_ShowsOnePageTheTotalAndThePasswordColumn()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        await SeedMailboxesAsync(2500);

        var page = RenderPage();

        Assert.Equal(50, page.FindAll("#recipients [data-testid=recipient-address]").Count);
        Assert.Contains("of 2,501", page.Find(".mud-table-page-number-information").TextContent); // + the seeded postmaster
        var first = page.FindAll("#recipients tbody tr")[0];
        Assert.Contains("employee-00000@", first.QuerySelector("[data-testid=recipient-address]")!.TextContent);
        Assert.Equal("Set", first.QuerySelector("[data-testid=recipient-password]")!.TextContent.Trim());
        Assert.Equal("None", page.FindAll("#recipients tbody tr")[1].QuerySelector("[data-testid=recipient-password]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Search_WhenTyped_FindsTheRecipientOnAnyPage()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        await SeedMailboxesAsync(2500);
        var page = RenderPage();

        page.Find("#recipient-search").Input("employee-02417");

        page.WaitForAssertion(() =>
        {
            var address = Assert.Single(page.FindAll("#recipients [data-testid=recipient-address]"));
            Assert.Contains("employee-02417@research-and-development.mailflow.local", address.TextContent);
        }, WaitTimeout);

        page.Find("#recipient-search").Input("nobody-like-this");
        page.WaitForAssertion(() => Assert.Contains("No recipient matches", page.Find("#recipients-empty").TextContent), WaitTimeout);
    }

    /// <summary>Picks a radio option however MudBlazor wires it (click or change).</summary>
    private static void Choose(IRenderedComponent<MudBlazor.MudDialogProvider> dialogs, string testId)
    {
        var radio = dialogs.Find($"input[data-testid={testId}], [data-testid={testId}] input");
        if (radio.HasAttribute("blazor:onchange"))
            radio.Change(true);
        else
            radio.Click();
    }

    [Fact]
    public async Task Create_WithAGeneratedPassword_ShowsItOnceAndStoresAHashThatVerifies()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-recipient").Click();
        dialogs.WaitForElement("#recipient-address", WaitTimeout).Input("new.hire@mailflow.local");
        Choose(dialogs, "password-generate");
        dialogs.Find("#recipient-save").Click();

        var shown = dialogs.WaitForElement("#generated-password", WaitTimeout).TextContent.Trim();
        var saved = (await Recipients.ListAsync()).Single(r => r.PrimaryAddress == "new.hire@mailflow.local");
        Assert.Equal(20, shown.Length);
        Assert.True(Recipients.VerifySubmissionPassword(saved, shown));
    }

    [Fact]
    public async Task Create_WithAShortPassword_RefusesNextToTheFieldAndCreatesNothing()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-recipient").Click();
        dialogs.WaitForElement("#recipient-address", WaitTimeout).Input("short.password@mailflow.local");
        Choose(dialogs, "password-set");
        dialogs.WaitForElement("#recipient-password", WaitTimeout).Input("short");
        dialogs.Find("#recipient-save").Click();

        dialogs.WaitForAssertion(() => Assert.Contains($"Use at least {RecipientService.MinimumPasswordLength} characters",
            dialogs.Find("[data-testid=recipient-password-field] .mud-input-helper-text, [data-testid=recipient-password-field] .mud-input-error").TextContent), WaitTimeout);
        Assert.DoesNotContain(await Recipients.ListAsync(), r => r.PrimaryAddress == "short.password@mailflow.local");

        dialogs.Find("#recipient-password").Input("a long and proper password");
        dialogs.Find("#recipient-save").Click();
        await page.WaitForAssertionAsync(async () =>
        {
            var saved = Assert.Single(await Recipients.ListAsync(), r => r.PrimaryAddress == "short.password@mailflow.local");
            Assert.True(Recipients.VerifySubmissionPassword(saved, "a long and proper password"));
        }, WaitTimeout);
    }
}
