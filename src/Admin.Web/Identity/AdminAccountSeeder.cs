using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// First start: creates the admin roles, and — when the store has no admin account at all — the
/// <c>admin</c> account in Organization Management. Its password is <c>Mailflow:Admin:InitialPassword</c>
/// or, when that is empty, a random one shown once on the operator's console. Either way it must be
/// changed at the first sign-in.
/// </summary>
public sealed class AdminAccountSeeder(
    IServiceScopeFactory scopeFactory,
    IDbContextFactory<MailflowDbContext> dbFactory,
    IOptions<MailflowOptions> options,
    OperatorConsole console,
    ILogger<AdminAccountSeeder> logger) : IStartupSeeder
{
    public const string AdminUserName = "admin";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in AdminRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
                await CreateRoleAsync(roles, role, cancellationToken);
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        if (await users.Users.AnyAsync(cancellationToken))
            return;

        var configured = options.Value.Admin.InitialPassword;
        var generated = string.IsNullOrEmpty(configured);
        var password = generated ? InitialPassword.Generate() : configured;
        var admin = new AdminUser { UserName = AdminUserName, MustChangePassword = true };
        var created = await users.CreateAsync(admin, password);
        if (!created.Succeeded)
        {
            // Two nodes started on an empty shared store at once: the other one created the account.
            if (await AnotherNodeCreatedAnAdminAsync(cancellationToken))
                return;
            throw new InvalidOperationException(generated
                ? $"Could not create the first admin account: {Describe(created)}"
                : $"Mailflow:Admin:InitialPassword is not accepted as the first admin password: {Describe(created)}");
        }
        var inRole = await users.AddToRoleAsync(admin, AdminRoles.OrganizationManagement);
        if (!inRole.Succeeded)
            throw new InvalidOperationException($"Could not give '{AdminUserName}' the {AdminRoles.OrganizationManagement} role: {Describe(inRole)}");

        if (generated)
        {
            console.WriteBoxed(
            [
                "Mailflow: first admin account created",
                "",
                $"  user name:  {AdminUserName}",
                $"  password:   {password}",
                "",
                "This password is shown only once. You must change it at the first sign-in.",
                "To choose it yourself instead, start with Mailflow__Admin__InitialPassword set.",
            ]);
            AdminCenterLog.AdminCreatedWithGeneratedPassword(logger, AdminUserName);
        }
        else
        {
            AdminCenterLog.AdminCreatedWithConfiguredPassword(logger, AdminUserName);
        }
    }

    private async Task CreateRoleAsync(RoleManager<IdentityRole> roles, string role, CancellationToken cancellationToken)
    {
        var result = await roles.CreateAsync(new IdentityRole(role));
        if (result.Succeeded)
            return;
        // Another node may have created it a moment ago; only a role that is still missing is an error.
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Roles.AnyAsync(r => r.Name == role, cancellationToken))
            throw new InvalidOperationException($"Could not create the admin role '{role}': {Describe(result)}");
    }

    private async Task<bool> AnotherNodeCreatedAnAdminAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AnyAsync(cancellationToken);
    }

    private static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));
}
