using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Mailflow.E2E.Tests;

/// <summary>
/// An extra admin account for a journey that is not about the first sign-in: created in the store with
/// its role and no forced password change, then signed in through the real login form.
/// </summary>
public static class AdminSignIn
{
    public static async Task CreateAccountAsync(IServiceProvider services, string userName, string password, string role)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var user = new AdminUser { UserName = userName };
        var created = await users.CreateAsync(user, password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
    }

    /// <summary>Signs in at <paramref name="path"/> (the login form sends the browser back there) and waits for the circuit.</summary>
    public static async Task SignInAsync(IPage page, string baseUrl, string userName, string password, string path = "/")
    {
        await page.GotoAsync(baseUrl + path);
        await page.FillAsync("#login-username", userName);
        await page.FillAsync("#login-password", password);
        await page.ClickAsync("#login-submit");
        await page.Locator("#admin-layout[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
    }
}
