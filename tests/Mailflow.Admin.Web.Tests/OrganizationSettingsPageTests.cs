using Mailflow.Admin.Web.Components.Pages.Settings;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class OrganizationSettingsPageTests : MudBunitContext
{
    private OrganizationSettingsService Settings => Services.GetRequiredService<OrganizationSettingsService>();

    private IRenderedComponent<OrganizationSettingsPage> RenderPage()
    {
        var page = Render<OrganizationSettingsPage>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Theory]
    [InlineData(172_800, 2, DurationUnit.Days)]
    [InlineData(14_400, 4, DurationUnit.Hours)]
    [InlineData(300, 5, DurationUnit.Minutes)]
    [InlineData(90, 90, DurationUnit.Seconds)]
    [InlineData(5_400, 90, DurationUnit.Minutes)]
    public void Split_WhenSecondsAreStored_PicksTheLargestExactUnit(long seconds, decimal amount, DurationUnit unit)
    {
        Assert.Equal((amount, unit), DurationUnits.Split(seconds));
        Assert.Equal(seconds, DurationUnits.ToSeconds(amount, unit));
    }

    [Fact]
    public void Page_WhenDefaultsAreStored_ShowsTimersInHumanUnitsAndSizesInMegabytes()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();

        var page = RenderPage();

        Assert.Equal("2", page.Find("#org-expiration-amount").GetAttribute("value"));
        Assert.Contains("days", page.Find("[data-testid=org-expiration]").TextContent);
        Assert.Equal("4", page.Find("#org-delay-notification-amount").GetAttribute("value"));
        Assert.Contains("hours", page.Find("[data-testid=org-delay-notification]").TextContent);
        Assert.Equal("5", page.Find("#org-transient-retry-amount").GetAttribute("value"));
        Assert.Equal("36", page.Find("#org-max-receive").GetAttribute("value"));
    }

    [Fact]
    public async Task Save_WhenExpiryIsChangedInDays_StoresSecondsAndMegabytesAsBytes()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#org-expiration-amount").Input("3");
        page.Find("#org-max-receive").Input("50");
        page.Find("#org-save").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var saved = await Settings.GetAsync();
            Assert.Equal(3 * 86_400, saved.MessageExpirationTimeoutSeconds);
            Assert.Equal(50L * 1024 * 1024, saved.MaxReceiveSizeBytes);
        }, WaitTimeout);
    }

    [Fact]
    public async Task OAuthJournalingAndModeration_AreSaved_AndAnIssuerThatIsNoHttpsUrlIsRefusedNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#org-oauth-issuer").Input("http://login.contoso.test");
        page.WaitForAssertion(() =>
            Assert.Contains("https URL", page.Find("[data-testid=org-oauth-issuer-field] .mud-input-helper-text").TextContent), WaitTimeout);

        page.Find("#org-oauth-issuer").Input("https://login.contoso.test/tenant/v2.0");
        page.Find("#org-oauth-audience").Input("api://mailflow");
        page.Find("#org-journal-ndr-to").Input("journal-ndr@contoso.test");
        page.Find("#org-moderation-reply").Input("moderation@contoso.test");
        page.Find("#org-save").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var saved = await Settings.GetAsync();
            Assert.Equal("https://login.contoso.test/tenant/v2.0", saved.OAuthIssuer);
            Assert.Equal("api://mailflow", saved.OAuthAudience);
            Assert.Equal("journal-ndr@contoso.test", saved.JournalingReportNdrTo);
            Assert.Equal("moderation@contoso.test", saved.ModerationReplyAddress);
        }, WaitTimeout);
    }

    [Fact]
    public async Task HopCountLimits_AreShownSavedAndALocalLimitAboveTheHopLimitIsRefusedNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();
        Assert.Equal("30", page.Find("#org-max-hops").GetAttribute("value"));
        Assert.Equal("8", page.Find("#org-max-local-hops").GetAttribute("value"));

        page.Find("#org-max-local-hops").Input("40");
        page.WaitForAssertion(() =>
            Assert.Contains("no more than the hop count limit", page.Find("[data-testid=org-max-local-hops-field] .mud-input-helper-text").TextContent), WaitTimeout);

        page.Find("#org-max-local-hops").Input("5");
        page.Find("#org-max-hops").Input("20");
        page.Find("#org-save").Click();
        await page.WaitForAssertionAsync(async () =>
        {
            var saved = await Settings.GetAsync();
            Assert.Equal(20, saved.MaxHopCount);
            Assert.Equal(5, saved.MaxLocalHopCount);
        }, WaitTimeout);
    }

    [Fact]
    public void ExpiryField_WhenDelayNotificationIsLaterThanExpiry_ShowsTheMessageNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#org-delay-notification-amount").Input("100");

        page.WaitForAssertion(() =>
            Assert.Contains("before the message expires", page.Find("[data-testid=org-delay-notification] .mud-input-helper-text").TextContent), WaitTimeout);
    }

    [Fact]
    public void Page_WhenSignedInAsViewOnly_HasNoSaveButton()
    {
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.Empty(page.FindAll("#org-save"));
        Assert.NotNull(page.Find("#read-only-notice"));
    }

    [Fact]
    public async Task PickupDirectory_IsOffByDefault_ARateOfZeroIsRefused_AndTheSettingsAreSaved()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();
        Assert.Equal("100", page.Find("#org-pickup-rate").GetAttribute("value"));
        Assert.Equal("10240", page.Find("#org-pickup-max-size").GetAttribute("value"));

        page.Find("#org-pickup-rate").Input("0");
        page.WaitForAssertion(() => Assert.Contains("Submit between 1 and 100,000 pickup files per minute.", page.Markup), WaitTimeout);

        page.Find("#org-pickup-rate").Input("50");
        page.Find("#org-pickup-path").Input("drop");
        page.FindAll("#org-pickup-enabled input, input#org-pickup-enabled")[0].Change(true);
        page.Find("#org-save").Click();
        await page.WaitForAssertionAsync(async () =>
        {
            var saved = await Settings.GetAsync();
            Assert.Equal((true, "drop", 50), (saved.PickupEnabled, saved.PickupDirectoryPath, saved.PickupMaxFilesPerMinute));
        }, WaitTimeout);
    }
}
