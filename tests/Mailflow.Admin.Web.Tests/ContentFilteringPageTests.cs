using Mailflow.Admin.Web.Components.Pages.Protection;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class ContentFilteringPageTests : MudBunitContext
{
    private ProtectionSettingsService Settings => Services.GetRequiredService<ProtectionSettingsService>();

    private IRenderedComponent<ContentFiltering> RenderPage()
    {
        var page = Render<ContentFiltering>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task Save_StoresTheClamdSocketAndRspamdThresholds()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#malware-address").Change("tcp:127.0.0.1:3310");
        page.Find("#spam-quarantine-score").Change("8");
        page.Find("#content-filtering-save").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var saved = await Settings.GetAsync();
            Assert.Equal("tcp:127.0.0.1:3310", saved.AntiMalware.ClamdAddress);
            Assert.Equal(8, saved.AntiSpam.QuarantineScore);
        }, WaitTimeout);
    }

    [Fact]
    public async Task Save_WithABadSocket_ShowsTheMessageNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#malware-address").Change("clamd.sock");
        page.Find("#content-filtering-save").Click();

        page.WaitForAssertion(() => Assert.Contains("Write unix:/run/clamav/clamd.ctl or tcp:127.0.0.1:3310", page.Find("#anti-malware-settings .mud-input-error").TextContent), WaitTimeout);
        Assert.Equal("unix:/run/clamav/clamd.ctl", (await Settings.GetAsync()).AntiMalware.ClamdAddress);
    }

    [Fact]
    public async Task Save_StoresTheQuarantineRetention_AndRefusesZeroNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#quarantine-retention").Change("0");
        page.Find("#content-filtering-save").Click();
        page.WaitForAssertion(() => Assert.Contains("Keep quarantined messages from 1 to 365 days.", page.Find("#quarantine-settings .mud-input-error").TextContent), WaitTimeout);

        page.Find("#quarantine-retention").Change("30");
        page.Find("#content-filtering-save").Click();
        await page.WaitForAssertionAsync(async () => Assert.Equal(30, (await Settings.GetAsync()).Quarantine.RetentionDays), WaitTimeout);
    }

    [Fact]
    public async Task SubjectPrefix_ShowsTheDefault_RefusesAnEmptyPrefixNextToTheField_AndSavesTheScore()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();
        Assert.Equal(AntiSpamSettings.DefaultSubjectPrefix, page.Find("#spam-subject-prefix").GetAttribute("value"));

        page.Find("#spam-subject-prefix").Change("");
        page.Find("#content-filtering-save").Click();
        page.WaitForAssertion(() => Assert.Contains("Enter a subject prefix of 1 to 64 characters on one line.", page.Find("#anti-spam-settings .mud-input-error").TextContent), WaitTimeout);

        page.Find("#spam-subject-prefix").Change("[Spam?]");
        page.Find("#spam-subject-score").Change("7.5");
        page.Find("#content-filtering-save").Click();
        await page.WaitForAssertionAsync(async () =>
        {
            var saved = (await Settings.GetAsync()).AntiSpam;
            Assert.Equal("[Spam?]", saved.SubjectPrefix);
            Assert.Equal(7.5, saved.PrependSubjectScore);
        }, WaitTimeout);
    }
}
