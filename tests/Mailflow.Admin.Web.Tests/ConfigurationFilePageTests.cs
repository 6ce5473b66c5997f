using Bunit;
using Mailflow.Admin.Web.Components.Pages.Settings;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class ConfigurationFilePageTests : MudBunitContext
{
    private const string Document = """
        {
          "schemaVersion": 1,
          "acceptedDomains": [
            { "domainName": "mailflow.local", "type": "Authoritative", "isDefault": true },
            { "domainName": "contoso.test", "type": "InternalRelay" }
          ]
        }
        """;

    [Fact]
    public async Task Upload_ShowsThePlan_AndApplyCreatesOneGeneration_When_OrgAdminConfirms()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var providers = RenderProviders();
        var page = Render<ConfigurationFilePage>();
        var history = Services.GetRequiredService<ConfigurationHistoryService>();
        var generationsBefore = (await history.ListAsync()).Count;

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Document, "org.json"));

        page.WaitForAssertion(() => Assert.Contains("1 to create", page.Find("#plan-summary").TextContent), WaitTimeout);
        Assert.Contains(page.FindAll("[data-testid=plan-change]"), row => row.TextContent.Contains("contoso.test", StringComparison.Ordinal));
        Assert.DoesNotContain(await Services.GetRequiredService<AcceptedDomainService>().ListAsync(), d => d.DomainName == "contoso.test");

        page.Find("#apply-configuration").Click();
        providers.Dialogs.WaitForAssertion(() => Assert.Contains(providers.Dialogs.FindAll(".mud-dialog button"), b => b.TextContent.Contains("Apply", StringComparison.Ordinal)), WaitTimeout);
        providers.Dialogs.FindAll(".mud-dialog button").First(b => b.TextContent.Contains("Apply", StringComparison.Ordinal)).Click();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#plan-empty")), WaitTimeout);
        var contoso = Assert.Single(await Services.GetRequiredService<AcceptedDomainService>().ListAsync(), d => d.DomainName == "contoso.test");
        Assert.Equal(AcceptedDomainType.InternalRelay, contoso.Type);
        Assert.Equal(generationsBefore + 1, (await history.ListAsync()).Count);
    }

    [Fact]
    public void Upload_ExplainsTheProblem_When_FileIsNotJson()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = Render<ConfigurationFilePage>();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("acceptedDomains: [contoso.test]", "org.yaml"));

        page.WaitForAssertion(() => Assert.Contains("org.yaml is not a configuration document", page.Find("#upload-error").TextContent), WaitTimeout);
        Assert.Empty(page.FindAll("#configuration-plan"));
    }

    [Fact]
    public void Upload_ShowsFieldErrors_AndNoApply_When_DocumentIsInvalid()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = Render<ConfigurationFilePage>();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("""{ "schemaVersion": 1, "acceptedDomains": [ { "domainName": "contoso", "isDefault": true } ] }""", "bad.json"));

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#plan-invalid")), WaitTimeout);
        Assert.Contains(page.FindAll("[data-testid=plan-error]"), e => e.TextContent.Contains("has no dot", StringComparison.Ordinal));
        Assert.Empty(page.FindAll("#apply-configuration"));
    }

    [Fact]
    public void ViewOnly_CanDownloadButNotUpload()
    {
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = Render<ConfigurationFilePage>();

        Assert.NotEmpty(page.FindAll("#download-configuration"));
        Assert.NotEmpty(page.FindAll("#read-only-notice"));
        Assert.Empty(page.FindAll("#upload-configuration"));
    }
}
