using Mailflow.TestSupport;
using System.Text.RegularExpressions;
using Mailflow.Admin.Web.Identity;
using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mailflow.Admin.Web.Tests;

public sealed partial class AdminAccountSeederTests
{
    private sealed class Harness : IAsyncDisposable
    {
        private readonly TemporarySqliteStore _store;

        public Harness(string? initialPassword)
        {
            _store = TemporarySqliteStore.Create(initialPassword is null ? null : new Dictionary<string, string?> { ["Mailflow:Admin:InitialPassword"] = initialPassword });
            var services = new ServiceCollection();
            _store.AddTo(services);
            services.AddLogging(b => b.AddProvider(Logs));
            services.AddAdminCenterServices();
            services.AddSingleton(new OperatorConsole(Console));
            Services = services.BuildServiceProvider();
        }

        public ServiceProvider Services { get; }
        public StringWriter Console { get; } = new();
        public CapturingLoggerProvider Logs { get; } = new();

        public Task SeedAsync() => TemporarySqliteStore.PrepareAsync(Services, seedDefaults: true);

        public async Task<T> WithUsersAsync<T>(Func<UserManager<AdminUser>, Task<T>> action)
        {
            await using var scope = Services.CreateAsyncScope();
            return await action(scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>());
        }

        public async ValueTask DisposeAsync()
        {
            await Services.DisposeAsync();
            await _store.DisposeAsync();
        }
    }

    [GeneratedRegex(@"password:\s+(\S+)")]
    private static partial Regex PrintedPassword();

    [Fact]
    public async Task Seed_WhenNoAdminAndNoConfiguredPassword_CreatesAdminWithRandomPasswordShownOnlyOnTheConsole()
    {
        await using var harness = new Harness(initialPassword: null);

        await harness.SeedAsync();

        var console = harness.Console.ToString();
        var match = PrintedPassword().Match(console);
        Assert.True(match.Success, $"No password on the console:\n{console}");
        var password = match.Groups[1].Value;
        Assert.Contains("╔", console);
        Assert.True(password.Length >= 20);
        Assert.DoesNotContain(harness.Logs.Messages, m => m.Contains(password, StringComparison.Ordinal));
        Assert.Contains(harness.Logs.Messages, m => m.StartsWith("7000 ", StringComparison.Ordinal));
        await harness.WithUsersAsync(async users =>
        {
            var admin = await users.FindByNameAsync("admin");
            Assert.NotNull(admin);
            Assert.True(admin.MustChangePassword);
            Assert.True(await users.CheckPasswordAsync(admin, password));
            Assert.Equal([AdminRoles.OrganizationManagement], await users.GetRolesAsync(admin));
            return true;
        });
    }

    [Fact]
    public async Task Seed_WhenInitialPasswordConfigured_UsesItPrintsNothingAndRequiresAChange()
    {
        await using var harness = new Harness(initialPassword: "Configured-Password-1");

        await harness.SeedAsync();

        Assert.Equal("", harness.Console.ToString());
        Assert.DoesNotContain(harness.Logs.Messages, m => m.Contains("Configured-Password-1", StringComparison.Ordinal));
        await harness.WithUsersAsync(async users =>
        {
            var admin = await users.FindByNameAsync("admin");
            Assert.NotNull(admin);
            Assert.True(admin.MustChangePassword);
            Assert.True(await users.CheckPasswordAsync(admin, "Configured-Password-1"));
            return true;
        });
    }

    [Fact]
    public async Task Seed_WhenRunAgain_LeavesTheExistingAccountAlone()
    {
        await using var harness = new Harness(initialPassword: "Configured-Password-1");
        await harness.SeedAsync();

        await harness.SeedAsync();

        var count = await harness.WithUsersAsync(users => users.Users.CountAsync());
        Assert.Equal(1, count);
        var roles = await harness.WithUsersAsync(async users =>
            await users.GetRolesAsync((await users.FindByNameAsync("admin"))!));
        Assert.Single(roles);
        await using var scope = harness.Services.CreateAsyncScope();
        var roleManager = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        Assert.Equal(AdminRoles.All.Order(), (await roleManager.Roles.Select(r => r.Name!).ToListAsync()).Order());
    }

    [Fact]
    public async Task Seed_WhenConfiguredPasswordIsTooShort_FailsNamingTheSettingAndTheRule()
    {
        await using var harness = new Harness(initialPassword: "short");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(harness.SeedAsync);

        Assert.Contains("Mailflow:Admin:InitialPassword", error.Message);
        Assert.Contains("at least 12 characters", error.Message);
    }
}
