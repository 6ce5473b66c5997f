using Microsoft.AspNetCore.Authorization;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// Fails while the signed-in account must still replace its first-start password. Checked on the
/// server for every page (and again by the router in the circuit), so the forced change cannot be
/// skipped by typing another URL.
/// </summary>
public sealed class PasswordChangedRequirement : AuthorizationHandler<PasswordChangedRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PasswordChangedRequirement requirement)
    {
        if (!context.User.HasClaim(c => c.Type == AdminClaims.MustChangePassword))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
