using Mailflow.Identity;
using Microsoft.AspNetCore.Authorization;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// Authorization policies of the admin center. <c>[Authorize]</c> alone means <see cref="Admin"/>:
/// signed in, holding one of the admin roles, and past the forced first-start password change.
/// </summary>
public static class AdminPolicies
{
    /// <summary>Any admin role; the password change is done. The default policy.</summary>
    public const string Admin = "Admin";
    /// <summary>Changes to the organization configuration (connectors, domains, rules, settings).</summary>
    public const string OrganizationManagement = "OrganizationManagement";
    /// <summary>Signed in, nothing more: the password change page itself.</summary>
    public const string SignedIn = "SignedIn";

    internal static void Configure(AuthorizationOptions options)
    {
        var admin = new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireRole(AdminRoles.All)
            .AddRequirements(new PasswordChangedRequirement())
            .Build();
        options.DefaultPolicy = admin;
        options.AddPolicy(Admin, admin);
        options.AddPolicy(OrganizationManagement, p => p.Combine(admin).RequireRole(AdminRoles.OrganizationManagement));
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
    }
}
