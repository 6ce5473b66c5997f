using System.Security.Claims;
using Mailflow.Identity;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// A circuit lives as long as the browser tab, long after the cookie was checked. Every minute this
/// re-reads the account: once it is disabled, deleted or its password changed elsewhere (new
/// security stamp), the circuit becomes signed out and the router sends the tab to the login page.
/// A revocation on this node (<see cref="AdminSessionRevocation"/>: sign-out, password change,
/// account disabled) signs the circuit out at once.
/// </summary>
public sealed class AdminRevalidatingAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly IServiceScopeFactory scopeFactory;
    private readonly IOptions<IdentityOptions> options;
    private readonly AdminSessionRevocation revocation;

    public AdminRevalidatingAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopeFactory,
        IOptions<IdentityOptions> options,
        AdminSessionRevocation revocation)
        : base(loggerFactory)
    {
        this.scopeFactory = scopeFactory;
        this.options = options;
        this.revocation = revocation;
        revocation.Revoked += OnRevoked;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var user = await users.GetUserAsync(authenticationState.User);
        if (user is null || user.Disabled)
            return false;
        var principalStamp = authenticationState.User.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await users.GetSecurityStampAsync(user);
    }

    private async void OnRevoked(string userId)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.FindFirstValue(options.Value.ClaimsIdentity.UserIdClaimType) == userId)
                SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
        catch (InvalidOperationException)
        {
            // The circuit has no authentication state yet (still starting): its first check reads the new stamp.
        }
    }

    protected override void Dispose(bool disposing)
    {
        revocation.Revoked -= OnRevoked;
        base.Dispose(disposing);
    }
}
