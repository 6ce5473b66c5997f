namespace Mailflow.Identity;

/// <summary>The admin roles (after Exchange's role groups).</summary>
public static class AdminRoles
{
    /// <summary>Everything.</summary>
    public const string OrganizationManagement = "Organization Management";
    /// <summary>Recipients only; reads the rest.</summary>
    public const string RecipientManagement = "Recipient Management";
    /// <summary>Reads everything, changes nothing.</summary>
    public const string ViewOnly = "View-Only";

    public static readonly IReadOnlyList<string> All = [OrganizationManagement, RecipientManagement, ViewOnly];
}
