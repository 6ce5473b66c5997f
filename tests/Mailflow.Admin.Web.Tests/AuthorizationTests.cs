using System.Security.Claims;
using Mailflow.Admin.Web.Identity;
using Mailflow.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class AuthorizationTests : IAsyncLifetime
{
    private readonly TemporarySqliteStore _store = TemporarySqliteStore.Create();
    private ServiceProvider _services = default!;

    public Task InitializeAsync()
    {
        var services = new ServiceCollection();
        _store.AddTo(services);
        services.AddAdminCenterServices();
        _services = services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _store.DisposeAsync();
    }

    private static ClaimsPrincipal Admin(string role, bool mustChangePassword = false)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, "alice"), new(ClaimTypes.Role, role) };
        if (mustChangePassword)
            claims.Add(new Claim(AdminClaims.MustChangePassword, "true"));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "Identity.Application"));
    }

    private Task<AuthorizationResult> AuthorizeAsync(ClaimsPrincipal user, string policy) =>
        _services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(user, policy);

    [Theory]
    [InlineData(AdminRoles.OrganizationManagement)]
    [InlineData(AdminRoles.RecipientManagement)]
    [InlineData(AdminRoles.ViewOnly)]
    public async Task AdminPolicy_WhenAccountHasAnAdminRole_Succeeds(string role) =>
        Assert.True((await AuthorizeAsync(Admin(role), AdminPolicies.Admin)).Succeeded);

    [Fact]
    public async Task AdminPolicy_WhenFirstStartPasswordNotYetChanged_FailsOnThePasswordRequirement()
    {
        var result = await AuthorizeAsync(Admin(AdminRoles.OrganizationManagement, mustChangePassword: true), AdminPolicies.Admin);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Failure!.FailedRequirements, r => r is PasswordChangedRequirement);
    }

    [Fact]
    public async Task SignedInPolicy_WhenFirstStartPasswordNotYetChanged_Succeeds() =>
        Assert.True((await AuthorizeAsync(Admin(AdminRoles.OrganizationManagement, mustChangePassword: true), AdminPolicies.SignedIn)).Succeeded);

    [Fact]
    public async Task AdminPolicy_WhenSignedOut_Fails() =>
        Assert.False((await AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity()), AdminPolicies.Admin)).Succeeded);

    [Theory]
    [InlineData(AdminRoles.ViewOnly)]
    [InlineData(AdminRoles.RecipientManagement)]
    public async Task OrganizationManagementPolicy_WhenRoleIsNarrower_Fails(string role) =>
        Assert.False((await AuthorizeAsync(Admin(role), AdminPolicies.OrganizationManagement)).Succeeded);

    [Fact]
    public async Task ResultHandler_WhenPasswordChangeIsPending_RedirectsToTheChangePageWithReturnUrl()
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Path = "/queues";
        context.Request.QueryString = new QueryString("?page=2");
        var failure = AuthorizationFailure.Failed([new PasswordChangedRequirement()]);

        await new PasswordChangeRedirect().HandleAsync(_ => Task.CompletedTask, context,
            new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build(), PolicyAuthorizationResult.Forbid(failure));

        Assert.Equal(StatusCodes.Status302Found, context.Response.StatusCode);
        Assert.Equal("/account/change-password?returnUrl=%2Fqueues%3Fpage%3D2", context.Response.Headers.Location.ToString());
    }

    [Theory]
    [InlineData("/mail-flow/accepted-domains", "/mail-flow/accepted-domains")]
    [InlineData("//evil.test/path", "/")]
    [InlineData("/\\evil.test", "/")]
    [InlineData("https://evil.test/", "/")]
    [InlineData(null, "/")]
    public void SafeReturnUrl_WhenUrlIsNotALocalPath_FallsBackToTheStartPage(string? returnUrl, string expected) =>
        Assert.Equal(expected, AccountPaths.SafeReturnUrl(returnUrl));
}
