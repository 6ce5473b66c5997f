using Mailflow.Admin.Web.ApiReference;
using Mailflow.Admin.Web.Components.Pages.Api;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class ApiPageTests : MudBunitContext
{
    private sealed class FixedDescription : IApiDescriptionSource
    {
        public Task<ApiDescription> DescribeAsync(CancellationToken cancellationToken) => Task.FromResult(new ApiDescription("Mailflow API", "v1", "/openapi/v1.json",
        [
            new ApiOperation("GET", "/api/v1/accepted-domains", "List accepted domains", "Accepted domains"),
            new ApiOperation("DELETE", "/api/v1/api-keys/{id}", "Revoke an API key", "API keys"),
        ]));
    }

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IApiDescriptionSource, FixedDescription>();

    private ApiKeyService Keys => Services.GetRequiredService<ApiKeyService>();

    [Fact]
    public async Task CreateKey_ShowsTheSecretOnce_AndListsTheKeyWithoutIt()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<ApiPage>();
        page.WaitForElement("#api-keys-empty", WaitTimeout);

        page.Find("#create-api-key").Click();
        dialogs.WaitForElement("#api-key-name-input", WaitTimeout).Input("provisioning");
        dialogs.Find("#api-key-save").Click();

        var secretField = dialogs.WaitForElement("#api-key-secret", WaitTimeout);
        var secret = secretField.GetAttribute("value")!;
        Assert.StartsWith(ApiKeySecret.Marker, secret);
        var stored = Assert.Single(await Keys.ListAsync(AdminActor.System));
        Assert.Equal("provisioning", stored.Name);
        Assert.Equal(AdminRoles.ViewOnly, stored.Role);
        Assert.Equal(ApiKeySecret.Hash(secret), stored.SecretHash);
        Assert.Equal("alice", stored.CreatedBy);

        dialogs.Find("#api-key-created-close").Click();
        page.WaitForAssertion(() => Assert.Equal("provisioning", page.Find("#api-keys [data-testid=api-key-name]").TextContent.Trim()), WaitTimeout);
        Assert.DoesNotContain(secret, page.Markup);
    }

    [Fact]
    public void Page_WhenViewOnly_HidesKeyManagement_AndListsTheEndpoints()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        var page = Render<ApiPage>();

        page.WaitForElement("#api-keys-read-only", WaitTimeout);
        Assert.Empty(page.FindAll("#create-api-key"));
        page.WaitForAssertion(() => Assert.Equal(
            ["/api/v1/accepted-domains", "/api/v1/api-keys/{id}"],
            page.FindAll("[data-testid=api-operation-path]").Select(p => p.TextContent.Trim())), WaitTimeout);
        Assert.Equal("/openapi/v1.json", page.Find("#openapi-link").GetAttribute("href"));
    }
}
