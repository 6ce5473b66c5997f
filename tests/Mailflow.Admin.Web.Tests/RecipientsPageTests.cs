using Mailflow.Admin.Web.Components.Pages.Recipients;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class RecipientsPageTests : MudBunitContext
{
    private RecipientService Recipients => Services.GetRequiredService<RecipientService>();

    private IRenderedComponent<RecipientsPage> RenderPage()
    {
        var page = Render<RecipientsPage>();
        // The table reads its page from the store after the first render.
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#recipients [data-testid=recipient-address], #recipients-empty")), WaitTimeout);
        return page;
    }

    private Task<Recipient> CreateMailboxAsync(string address) =>
        Recipients.CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = address, DisplayName = address.Split('@')[0] });

    [Fact]
    public async Task MemberPicker_WhenARecipientIsChosen_AddsItAsAMemberAndSavesTheGroup()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        var anna = await CreateMailboxAsync("anna@mailflow.local");
        var group = await Recipients.CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "team@mailflow.local" });
        var (popovers, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='edit-team@mailflow.local']").Click();
        dialogs.WaitForElement("#recipient-member-input", WaitTimeout).Input("anna");
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-list-item"), i => i.TextContent.Contains("anna@mailflow.local")), WaitTimeout);
        popovers.FindAll(".mud-list-item").First(i => i.TextContent.Contains("anna@mailflow.local")).Click();

        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid='member-anna@mailflow.local']")), WaitTimeout);
        dialogs.Find("#recipient-save").Click();
        await page.WaitForAssertionAsync(async () => Assert.Equal([anna.Id], (await Recipients.GetAsync(group.Id))!.MemberIds), WaitTimeout);
    }

    [Fact]
    public async Task PasswordDialog_WhenPasswordIsShorterThanTheMinimum_ShowsTheMinimumAndDoesNotSave()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        var anna = await CreateMailboxAsync("anna@mailflow.local");
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='password-anna@mailflow.local']").Click();
        dialogs.WaitForElement("#recipient-password", WaitTimeout).Input("short");
        dialogs.Find("#recipient-password-confirm").Input("short");
        dialogs.Find("#recipient-password-save").Click();

        dialogs.WaitForAssertion(() =>
            Assert.Contains($"Use at least {RecipientService.MinimumPasswordLength} characters", dialogs.Find("[data-testid=recipient-password-field] .mud-input-helper-text").TextContent),
            WaitTimeout);
        Assert.NotEmpty(dialogs.FindAll("#recipient-password-dialog"));
        Assert.Null((await Recipients.GetAsync(anna.Id))!.SubmissionPasswordHash);
    }

    [Fact]
    public async Task PasswordDialog_WhenPasswordIsLongEnough_StoresAHashThatVerifies()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        var anna = await CreateMailboxAsync("anna@mailflow.local");
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='password-anna@mailflow.local']").Click();
        dialogs.WaitForElement("#recipient-password", WaitTimeout).Input("long enough password");
        dialogs.Find("#recipient-password-confirm").Input("long enough password");
        dialogs.Find("#recipient-password-save").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var saved = (await Recipients.GetAsync(anna.Id))!;
            Assert.True(Recipients.VerifySubmissionPassword(saved, "long enough password"));
        }, WaitTimeout);
        Assert.DoesNotContain("long enough password", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_WhenSignedInAsViewOnly_ListsRecipientsWithoutChangeButtons()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        var page = RenderPage();

        Assert.Contains("postmaster@mailflow.local", page.Find("#recipients").TextContent);
        Assert.Empty(page.FindAll("#add-recipient"));
        Assert.Empty(page.FindAll("[data-testid^=edit-]"));
        Assert.Empty(page.FindAll("[data-testid^=remove-]"));
    }

    [Fact]
    public async Task Remove_WhenAnAliasPointsToTheMailbox_SaysSoInTheConfirmationAndTheServiceRefuses()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        var anna = await CreateMailboxAsync("anna@mailflow.local");
        await Recipients.CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Alias, PrimaryAddress = "a@mailflow.local", ForwardToId = anna.Id });
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='remove-anna@mailflow.local']").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Aliases forward to it (a@mailflow.local)", dialogs.Markup), WaitTimeout);
        dialogs.FindAll("button").First(b => b.TextContent.Trim() == "Remove").Click();

        var snackbar = Services.GetRequiredService<MudBlazor.ISnackbar>();
        page.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message != null && s.Message.Contains("Remove or repoint them first", StringComparison.Ordinal)), WaitTimeout);
        Assert.NotNull(await Recipients.GetAsync(anna.Id));
    }
}
