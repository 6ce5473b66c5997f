using System.Security.Claims;
using Mailflow.Identity;

namespace Mailflow.Configuration;

/// <summary>
/// Who is making a change, and what their roles allow. Every configuration service checks it, so
/// the admin center, the REST API and the CLI get the same authorization: a hidden button is a
/// courtesy, the refusal happens here.
/// </summary>
public sealed record AdminActor(string Name, IReadOnlySet<string> Roles)
{
    /// <summary>Start-up seeding and configuration files applied at start-up.</summary>
    public static readonly AdminActor System = new("system", new HashSet<string> { AdminRoles.OrganizationManagement });

    public bool CanManageOrganization => Roles.Contains(AdminRoles.OrganizationManagement);
    public bool CanManageRecipients => CanManageOrganization || Roles.Contains(AdminRoles.RecipientManagement);

    public static AdminActor FromPrincipal(ClaimsPrincipal principal)
    {
        var name = principal.Identity?.Name ?? "anonymous";
        var roles = principal.Claims
            .Where(c => c.Type == ClaimTypes.Role || c.Type == principal.Identities.FirstOrDefault()?.RoleClaimType)
            .Select(c => c.Value)
            .ToHashSet(StringComparer.Ordinal);
        return new AdminActor(name, roles);
    }

    internal void DemandOrganizationManagement()
    {
        if (!CanManageOrganization)
            throw new ConfigurationForbiddenException($"{Name} may not change the organization configuration (needs the {AdminRoles.OrganizationManagement} role).");
    }

    internal void DemandRecipientManagement()
    {
        if (!CanManageRecipients)
            throw new ConfigurationForbiddenException($"{Name} may not change recipients (needs {AdminRoles.RecipientManagement} or {AdminRoles.OrganizationManagement}).");
    }
}
