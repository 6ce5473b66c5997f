using System.Text.Json;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Identity;

/// <summary>An admin account as the accounts page lists it (never any password material).</summary>
public sealed record AdminAccount(string Id, string UserName, IReadOnlyList<string> Roles, bool Disabled, bool MustChangePassword);

/// <summary>
/// Admin accounts: create, assign roles, disable/enable, reset password. Organization Management only;
/// every change is audited (generation 0: accounts are not transport configuration, as for API keys).
/// The last enabled Organization Management account can neither be disabled nor demoted, so the
/// organization never locks itself out. Each call uses its own scope: UserManager is scoped, this
/// service is used from long-lived circuits.
/// </summary>
public sealed class AdminAccountService(IServiceScopeFactory scopeFactory, TimeProvider time, AdminSessionRevocation revocation)
{
    public const string ObjectType = nameof(AdminUser);

    public async Task<IReadOnlyList<AdminAccount>> ListAsync(AdminActor actor, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var list = new List<AdminAccount>();
        foreach (var user in await users.Users.OrderBy(u => u.UserName).ToListAsync(cancellationToken))
            list.Add(await ViewAsync(users, user));
        return list;
    }

    public async Task<AdminAccount> CreateAsync(AdminActor actor, string userName, string initialPassword, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(userName))
            errors.Add("UserName", "Enter a user name.");
        if (roles.Count == 0)
            errors.Add("Roles", "Choose at least one role.");
        foreach (var role in roles.Where(r => !AdminRoles.All.Contains(r)))
            errors.Add("Roles", $"'{role}' is not an admin role.");
        errors.ThrowIfAny();

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var user = new AdminUser { UserName = userName.Trim(), MustChangePassword = true };
        var created = await users.CreateAsync(user, initialPassword);
        if (!created.Succeeded)
            throw Invalid(created);
        var inRoles = await users.AddToRolesAsync(user, roles);
        if (!inRoles.Succeeded)
            throw Invalid(inRoles);
        var view = await ViewAsync(users, user);
        await AuditAsync(scope, actor, AuditAction.Create, view, before: null, cancellationToken);
        return view;
    }

    public async Task<AdminAccount> SetRolesAsync(AdminActor actor, string id, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        if (roles.Count == 0)
            throw new ConfigurationValidationException(new Dictionary<string, string[]> { ["Roles"] = ["Choose at least one role."] });
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var user = await FindAsync(users, id);
        var before = await ViewAsync(users, user);
        if (before.Roles.Contains(AdminRoles.OrganizationManagement) && !roles.Contains(AdminRoles.OrganizationManagement) && !user.Disabled)
            await DemandAnotherOrganizationAdminAsync(users, user, $"{user.UserName} is the last enabled Organization Management account: give another account that role first.");
        var removed = await users.RemoveFromRolesAsync(user, before.Roles.Except(roles));
        if (!removed.Succeeded)
            throw Invalid(removed);
        var added = await users.AddToRolesAsync(user, roles.Except(before.Roles));
        if (!added.Succeeded)
            throw Invalid(added);
        // Signed-in sessions pick up the new roles when the security stamp is revalidated.
        await users.UpdateSecurityStampAsync(user);
        revocation.Revoke(user.Id);
        var after = await ViewAsync(users, user);
        await AuditAsync(scope, actor, AuditAction.Update, after, before, cancellationToken);
        return after;
    }

    public async Task<AdminAccount> SetDisabledAsync(AdminActor actor, string id, bool disabled, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var user = await FindAsync(users, id);
        var before = await ViewAsync(users, user);
        if (disabled)
        {
            if (string.Equals(user.UserName, actor.Name, StringComparison.OrdinalIgnoreCase))
                throw new ConfigurationValidationException(new Dictionary<string, string[]> { ["Disabled"] = ["You cannot disable your own account."] });
            if (before.Roles.Contains(AdminRoles.OrganizationManagement))
                await DemandAnotherOrganizationAdminAsync(users, user, $"{user.UserName} is the last enabled Organization Management account and cannot be disabled.");
        }
        user.Disabled = disabled;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
            throw Invalid(updated);
        await users.UpdateSecurityStampAsync(user);
        revocation.Revoke(user.Id);
        var after = await ViewAsync(users, user);
        await AuditAsync(scope, actor, AuditAction.Update, after, before, cancellationToken);
        return after;
    }

    /// <summary>Sets a new password the user must change at the next sign-in.</summary>
    public async Task<AdminAccount> ResetPasswordAsync(AdminActor actor, string id, string newPassword, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var user = await FindAsync(users, id);
        var before = await ViewAsync(users, user);
        foreach (var validator in users.PasswordValidators)
        {
            var valid = await validator.ValidateAsync(users, user, newPassword);
            if (!valid.Succeeded)
                throw Invalid(valid, "Password");
        }
        // Remove + add rather than a reset token: the admin center registers no token providers.
        var removed = await users.RemovePasswordAsync(user);
        if (!removed.Succeeded)
            throw Invalid(removed, "Password");
        var added = await users.AddPasswordAsync(user, newPassword);
        if (!added.Succeeded)
            throw Invalid(added, "Password");
        user.MustChangePassword = true;
        await users.UpdateAsync(user);
        await users.SetLockoutEndDateAsync(user, null);
        // The password change rotated the security stamp: end the account's open circuits too.
        revocation.Revoke(user.Id);
        var after = await ViewAsync(users, user);
        await AuditAsync(scope, actor, AuditAction.PasswordChange, after, before, cancellationToken);
        return after;
    }

    private static void Demand(AdminActor actor)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not manage admin accounts (needs the {AdminRoles.OrganizationManagement} role).");
    }

    private static async Task DemandAnotherOrganizationAdminAsync(UserManager<AdminUser> users, AdminUser user, string message)
    {
        var others = (await users.GetUsersInRoleAsync(AdminRoles.OrganizationManagement)).Count(u => u.Id != user.Id && !u.Disabled);
        if (others == 0)
            throw new ConfigurationValidationException(new Dictionary<string, string[]> { ["Roles"] = [message] });
    }

    private static async Task<AdminUser> FindAsync(UserManager<AdminUser> users, string id) =>
        await users.FindByIdAsync(id) ?? throw new ConfigurationNotFoundException("That admin account no longer exists.");

    private static async Task<AdminAccount> ViewAsync(UserManager<AdminUser> users, AdminUser user) =>
        new(user.Id, user.UserName ?? "", [.. (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal)], user.Disabled, user.MustChangePassword);

    private static ConfigurationValidationException Invalid(IdentityResult result, string field = "UserName") =>
        new(new Dictionary<string, string[]> { [field] = [.. result.Errors.Select(e => e.Description)] });

    private async Task AuditAsync(AsyncServiceScope scope, AdminActor actor, AuditAction action, AdminAccount after, AdminAccount? before, CancellationToken cancellationToken)
    {
        var db = scope.ServiceProvider.GetRequiredService<MailflowDbContext>();
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = actor.Name,
            Action = action,
            ObjectType = ObjectType,
            ObjectId = after.Id,
            ObjectName = after.UserName,
            Before = before is null ? null : JsonSerializer.Serialize(before, JsonSerializerOptions.Web),
            After = JsonSerializer.Serialize(after, JsonSerializerOptions.Web),
            // Not a configuration change: no generation.
            Generation = 0,
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
