using System.Security.Claims;
using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Mailflow.Admin.Web.Identity;

/// <summary>Identity's principal (name, roles, security stamp) plus the must-change-password marker.</summary>
public sealed class AdminClaimsPrincipalFactory(
    UserManager<AdminUser> userManager,
    RoleManager<IdentityRole> roleManager,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AdminUser, IdentityRole>(userManager, roleManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AdminUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.MustChangePassword)
            identity.AddClaim(new Claim(AdminClaims.MustChangePassword, "true"));
        return identity;
    }
}
