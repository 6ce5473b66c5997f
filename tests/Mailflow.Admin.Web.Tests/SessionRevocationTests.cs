using System.Security.Claims;
using Mailflow.Admin.Web.Identity;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mailflow.Admin.Web.Tests;

/// <summary>Issue 13, finding 4: a sign-out or password change ends the account's open circuits at once, not at the next revalidation.</summary>
public sealed class SessionRevocationTests
{
    [Fact]
    public async Task ARevokedAccount_IsSignedOutOfItsCircuit_AtOnce_AndOtherAccountsStay()
    {
        var revocation = new AdminSessionRevocation();
        var services = new ServiceCollection().BuildServiceProvider();
        var identity = Options.Create(new IdentityOptions());
        using var alice = new AdminRevalidatingAuthenticationStateProvider(NullLoggerFactory.Instance, services.GetRequiredService<IServiceScopeFactory>(), identity, revocation);
        using var bob = new AdminRevalidatingAuthenticationStateProvider(NullLoggerFactory.Instance, services.GetRequiredService<IServiceScopeFactory>(), identity, revocation);
        alice.SetAuthenticationState(Task.FromResult(SignedIn("alice-id", "alice")));
        bob.SetAuthenticationState(Task.FromResult(SignedIn("bob-id", "bob")));
        var changed = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.AuthenticationStateChanged += async state => changed.TrySetResult(await state);

        revocation.Revoke("alice-id");

        var after = await changed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(after.User.Identity?.IsAuthenticated);
        Assert.False((await alice.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);
        Assert.True((await bob.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);
    }

    private static AuthenticationState SignedIn(string id, string name) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, name)], "Identity.Application")));
}
