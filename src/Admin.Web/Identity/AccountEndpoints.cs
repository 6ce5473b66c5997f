using Mailflow.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Mailflow.Admin.Web.Identity;

/// <summary>Sign-out as a plain form POST (with antiforgery), so it works from an interactive page and without a circuit.</summary>
public static class AccountEndpoints
{
    public static IEndpointConventionBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The [FromForm] parameter makes the endpoint require a valid antiforgery token: no cross-site sign-out.
        return endpoints.MapPost(AccountPaths.Logout, async (
            HttpContext context,
            SignInManager<AdminUser> signInManager,
            ILogger<SignInManager<AdminUser>> logger,
            AdminSessionRevocation revocation,
            [FromForm] string? returnUrl) =>
        {
            var name = context.User.Identity?.Name;
            // A copy of the cookie must not outlive the sign-out: a new security stamp invalidates every
            // cookie issued so far (checked on each request), and the account's open circuits end now.
            var user = await signInManager.UserManager.GetUserAsync(context.User);
            if (user is not null)
            {
                await signInManager.UserManager.UpdateSecurityStampAsync(user);
                revocation.Revoke(user.Id);
            }
            await signInManager.SignOutAsync();
            if (name is not null)
                AdminCenterLog.SignedOut(logger, name);
            return TypedResults.LocalRedirect(AccountPaths.Login);
        }).AllowAnonymous();
    }
}
