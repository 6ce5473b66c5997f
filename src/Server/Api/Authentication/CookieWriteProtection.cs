namespace Mailflow.Server.Api.Authentication;

/// <summary>
/// Cross-site request forgery guard for /api/v1 writes made with the admin center's cookie. A
/// browser attaches the cookie to a form another site posts (SameSite=Lax only stops some of them),
/// but it never lets another site add a custom header without a CORS preflight this server does not
/// answer. So a cookie-authenticated POST/PUT/PATCH/DELETE must carry <see cref="Header"/>, and when
/// the browser says where the request came from (<c>Origin</c>, <c>Sec-Fetch-Site</c>), that must be
/// this server. Requests with an API key carry no ambient credential and are not affected.
/// </summary>
public sealed class CookieWriteProtection : IEndpointFilter
{
    public const string Header = "X-Mailflow-Csrf";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (IsWrite(request.Method) && ApiAuthentication.ReadPresentedKey(request) is null && Refusal(request) is { } reason)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused", detail: reason);
        return await next(context);
    }

    private static bool IsWrite(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    private static string? Refusal(HttpRequest request)
    {
        if (string.IsNullOrEmpty(request.Headers[Header].ToString()))
            return $"A change made with the admin center's sign-in cookie needs the {Header} header (scripts: use an API key instead).";
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
            return "The request came from another site.";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, OwnOrigin(request), StringComparison.OrdinalIgnoreCase))
            return $"The request came from {origin}, not from this server.";
        return null;
    }

    private static string OwnOrigin(HttpRequest request) => $"{request.Scheme}://{request.Host.ToUriComponent()}";
}
