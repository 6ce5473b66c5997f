using Mailflow.Admin.Web.Components.Pages.Accounts;
using Mailflow.Admin.Web.Identity;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class AdminAccountsTests : MudBunitContext, IAsyncLifetime
{
    private static readonly AdminActor Alice = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });
    private const string Password = "correct horse battery";

    protected override void AddServices(IServiceCollection services)
    {
        // Identity as the admin center registers it (password rules included), without its cookie/auth-state plumbing,
        // which would replace bUnit's test authorization.
        services.AddIdentityCore<AdminUser>(o =>
            {
                o.Password.RequiredLength = 12;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<MailflowDbContext>();
        services.AddSingleton<AdminAccountService>();
    }

    private AdminAccountService Accounts => Services.GetRequiredService<AdminAccountService>();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await TemporarySqliteStore.PrepareAsync(Services, seedDefaults: false);
        await using var scope = Services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in AdminRoles.All)
            await roles.CreateAsync(new IdentityRole(role));
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var alice = new AdminUser { UserName = "alice" };
        await users.CreateAsync(alice, Password);
        await users.AddToRoleAsync(alice, AdminRoles.OrganizationManagement);
    }

    private async Task<AdminAccount> AccountAsync(string name) => (await Accounts.ListAsync(Alice)).Single(a => a.UserName == name);

    [Fact]
    public async Task Create_SetsMustChangePasswordAndAudits_When_Valid()
    {
        var created = await Accounts.CreateAsync(Alice, "bob", Password, [AdminRoles.ViewOnly]);

        Assert.True(created.MustChangePassword);
        Assert.Equal([AdminRoles.ViewOnly], created.Roles);
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEntries.SingleAsync(a => a.ObjectType == AdminAccountService.ObjectType && a.ObjectName == "bob");
        Assert.Equal("alice", audit.Actor);
        Assert.Equal(0, audit.Generation);
        Assert.DoesNotContain(Password, audit.After!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disable_IsRefused_When_AccountIsTheLastOrganizationAdmin()
    {
        var bob = await Accounts.CreateAsync(Alice, "bob", Password, [AdminRoles.ViewOnly]);
        var alice = await AccountAsync("alice");

        var self = await Assert.ThrowsAsync<ConfigurationValidationException>(() => Accounts.SetDisabledAsync(Alice, alice.Id, true));
        Assert.Contains("your own account", self.Message, StringComparison.Ordinal);
        var other = new AdminActor("carol", new HashSet<string> { AdminRoles.OrganizationManagement });
        var last = await Assert.ThrowsAsync<ConfigurationValidationException>(() => Accounts.SetDisabledAsync(other, alice.Id, true));
        Assert.Contains("last enabled Organization Management", last.Message, StringComparison.Ordinal);
        var demote = await Assert.ThrowsAsync<ConfigurationValidationException>(() => Accounts.SetRolesAsync(Alice, alice.Id, [AdminRoles.ViewOnly]));
        Assert.Contains("last enabled Organization Management", demote.Message, StringComparison.Ordinal);

        Assert.True((await Accounts.SetDisabledAsync(Alice, bob.Id, true)).Disabled);
        Assert.False((await AccountAsync("alice")).Disabled);
    }

    [Fact]
    public async Task Demote_IsAllowed_When_AnotherOrganizationAdminRemains()
    {
        await Accounts.CreateAsync(Alice, "bob", Password, [AdminRoles.OrganizationManagement]);
        var alice = await AccountAsync("alice");

        var after = await Accounts.SetRolesAsync(Alice, alice.Id, [AdminRoles.ViewOnly]);

        Assert.Equal([AdminRoles.ViewOnly], after.Roles);
    }

    [Fact]
    public async Task ResetPassword_SetsMustChangePassword_When_PasswordIsLongEnough()
    {
        var bob = await Accounts.CreateAsync(Alice, "bob", Password, [AdminRoles.ViewOnly]);
        await using (var scope = Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
            var user = (await users.FindByNameAsync("bob"))!;
            user.MustChangePassword = false;
            await users.UpdateAsync(user);
        }

        await Assert.ThrowsAsync<ConfigurationValidationException>(() => Accounts.ResetPasswordAsync(Alice, bob.Id, "short"));
        var reset = await Accounts.ResetPasswordAsync(Alice, bob.Id, "another long passphrase");

        Assert.True(reset.MustChangePassword);
        await using var check = Services.CreateAsyncScope();
        var manager = check.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        Assert.True(await manager.CheckPasswordAsync((await manager.FindByNameAsync("bob"))!, "another long passphrase"));
    }

    [Fact]
    public async Task Services_RefuseEveryChange_When_ActorIsViewOnly()
    {
        var viewer = new AdminActor("victor", new HashSet<string> { AdminRoles.ViewOnly });
        var alice = await AccountAsync("alice");

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => Accounts.ListAsync(viewer));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => Accounts.CreateAsync(viewer, "x", Password, [AdminRoles.ViewOnly]));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => Accounts.SetDisabledAsync(viewer, alice.Id, true));
    }

    [Fact]
    public void Page_ExplainsInsteadOfAskingAndKeepsAccountEnabled_When_DisablingLastOrganizationAdmin()
    {
        SignInAs("carol", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<AdminAccounts>();
        page.WaitForElement("[data-testid=disable-alice]", WaitTimeout);

        page.Find("[data-testid=disable-alice]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("alice is the last enabled Organization Management account", dialogs.Markup), WaitTimeout);
        Assert.DoesNotContain(dialogs.FindAll("button"), b => b.TextContent.Trim() == "Disable");
        dialogs.FindAll("button").First(b => b.TextContent.Trim() == "OK").Click();
        Assert.Contains("Enabled", page.Find("[data-testid=account-state]").TextContent);
    }

    [Fact]
    public async Task Page_ExplainsThatItIsYourOwnAccount_When_DisablingYourself()
    {
        await Accounts.CreateAsync(Alice, "bob.second-organization-admin", Password, [AdminRoles.OrganizationManagement]);
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<AdminAccounts>();
        page.WaitForElement("[data-testid=disable-alice]", WaitTimeout);

        page.Find("[data-testid=disable-alice]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("This is your own account", dialogs.Markup), WaitTimeout);
        Assert.DoesNotContain(dialogs.FindAll("button"), b => b.TextContent.Trim() == "Disable");
        Assert.False((await AccountAsync("alice")).Disabled);
    }

    [Fact]
    public void Page_HidesManagement_When_ViewOnly()
    {
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = Render<AdminAccounts>();

        Assert.NotEmpty(page.FindAll("#read-only-notice"));
        Assert.Empty(page.FindAll("#add-account"));
        Assert.Empty(page.FindAll("#accounts"));
    }
}
