using Mailflow.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace Mailflow.Server.Api.Authentication;

/// <summary>
/// How /api/v1 knows its caller: an API key, or the admin center's sign-in cookie (so the admin
/// center's own pages and a signed-in admin's browser can call the API). A policy scheme picks the
/// API key handler when a key is presented and the cookie otherwise; challenges and refusals always
/// go to the API key handler, which answers 401/403 instead of redirecting to the login page.
/// </summary>
public static class ApiAuthentication
{
    public const string ApiKeyScheme = "ApiKey";
    /// <summary>The scheme /api/v1 authenticates with: API key or cookie.</summary>
    public const string Scheme = "MailflowApi";
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Any admin role (Organization Management, Recipient Management, View-Only): reads. The services check roles again for every change.</summary>
    public const string ReadPolicy = "MailflowApi.Read";
    /// <summary>Organization Management only: API key management.</summary>
    public const string OrganizationManagementPolicy = "MailflowApi.OrganizationManagement";

    public static IServiceCollection AddMailflowApiAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, displayName: "API key", _ => { })
            .AddPolicyScheme(Scheme, "API key or admin center sign-in", options =>
            {
                options.ForwardDefaultSelector = context =>
                    ReadPresentedKey(context.Request) is not null ? ApiKeyScheme : IdentityConstants.ApplicationScheme;
                options.ForwardChallenge = ApiKeyScheme;
                options.ForwardForbid = ApiKeyScheme;
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireRole(AdminRoles.All)
                // An admin who still has to replace the first-start password may not use the API with the cookie either.
                .RequireAssertion(c => !c.User.HasClaim(claim => claim.Type == Admin.Web.Identity.AdminClaims.MustChangePassword)))
            .AddPolicy(OrganizationManagementPolicy, policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireRole(AdminRoles.OrganizationManagement)
                .RequireAssertion(c => !c.User.HasClaim(claim => claim.Type == Admin.Web.Identity.AdminClaims.MustChangePassword)));
        return services;
    }

    /// <summary>The key the request presents, or null. <c>Authorization: Bearer</c> wins over <c>X-Api-Key</c>.</summary>
    public static string? ReadPresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization[bearer.Length..].Trim();
            return token.Length > 0 ? token : null;
        }
        var header = request.Headers[ApiKeyHeader].ToString().Trim();
        return header.Length > 0 ? header : null;
    }
}
