using System.Security.Claims;
using System.Text.Encodings.Web;
using Mailflow.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Api.Authentication;

/// <summary>
/// Authenticates a request by its API key: <c>Authorization: Bearer &lt;key&gt;</c> (RFC 6750 §2.1)
/// or <c>X-Api-Key: &lt;key&gt;</c>. The principal is named <c>apikey:&lt;name&gt;</c> and holds the
/// key's role, so <see cref="Mailflow.Configuration.AdminActor.FromPrincipal"/> audits changes under
/// the key's name. Challenges and refusals answer 401/403 with problem details — never a redirect
/// to the admin center's login page.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string KeyIdClaim = "mailflow:api_key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = ApiAuthentication.ReadPresentedKey(Request);
        if (secret is null)
            return AuthenticateResult.NoResult();
        var key = await keys.AuthenticateAsync(secret, Context.RequestAborted);
        if (key is null)
            return AuthenticateResult.Fail("The API key is not valid or has been revoked.");
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, ApiKeyService.ActorName(key)),
                new Claim(ClaimTypes.Role, key.Role),
                new Claim(KeyIdClaim, key.Id.ToString()),
            ],
            Scheme.Name, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 6750 §3: tell the client which scheme to use.
        Response.Headers.WWWAuthenticate = "Bearer realm=\"mailflow\"";
        var presented = ApiAuthentication.ReadPresentedKey(Request) is not null;
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required",
            presented
                ? "The API key is not valid or has been revoked."
                : "Send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>' (create one under API in the admin center, or with 'mailflow apikey create').");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
            $"{Context.User.Identity?.Name ?? "This caller"} does not hold a role that allows this request.");

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
