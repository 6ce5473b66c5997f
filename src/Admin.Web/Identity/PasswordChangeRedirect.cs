using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// Sends an admin who still has to change the first-start password to the change page instead of
/// "access denied"; every other authorization outcome is handled the default way (challenge → login).
/// </summary>
public sealed class PasswordChangeRedirect : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var mustChange = authorizeResult.Forbidden
            && authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<PasswordChangedRequirement>().Any() == true;
        if (!mustChange)
            return _default.HandleAsync(next, context, policy, authorizeResult);
        var returnUrl = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        context.Response.Redirect(AccountPaths.ChangePassword(returnUrl));
        return Task.CompletedTask;
    }
}
