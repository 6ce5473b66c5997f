using Microsoft.AspNetCore.Identity;

namespace Mailflow.Identity;

public sealed class AdminUser : IdentityUser
{
    /// <summary>Set for the generated first account: the admin center asks for a new password before anything else.</summary>
    public bool MustChangePassword { get; set; }
    public bool Disabled { get; set; }
}
