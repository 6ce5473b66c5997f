using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// Identity asks this before every sign-in (SignIn.RequireConfirmedAccount): a disabled admin account
/// gets "not allowed" even with the right password.
/// </summary>
public sealed class EnabledAdminConfirmation : IUserConfirmation<AdminUser>
{
    public Task<bool> IsConfirmedAsync(UserManager<AdminUser> manager, AdminUser user) => Task.FromResult(!user.Disabled);
}
