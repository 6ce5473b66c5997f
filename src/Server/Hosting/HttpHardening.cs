using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Mailflow.Server.Hosting;

/// <summary><c>Mailflow:Http</c>: how the admin center sits behind a reverse proxy.</summary>
public sealed class HttpOptions
{
    public const string Section = "Mailflow:Http";

    /// <summary>
    /// Reverse proxies (addresses or CIDR ranges) whose <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> /
    /// <c>X-Forwarded-Host</c> are believed. Empty = forwarded headers are ignored (the default: anyone could send them).
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>
/// HTTP hardening of the admin center and the API: forwarded headers from configured proxies only (so
/// the client address, throttling and audit see the real client, and cookies are Secure behind a TLS
/// proxy), and response headers that keep the pages from being framed, sniffed or fed other scripts.
/// Host names are restricted by the standard <c>AllowedHosts</c> setting.
/// </summary>
public static class HttpHardening
{
    /// <summary>Scripts from this origin only (Blazor and MudBlazor need no inline script or eval); MudBlazor sets inline styles.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public const string StrictTransportSecurity = "max-age=31536000";

    public static WebApplicationBuilder AddHttpHardening(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // Only the configured proxies: the defaults (loopback) would let anything on this host claim any client address.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in options.TrustedProxies)
            {
                if (System.Net.IPNetwork.TryParse(proxy, out var network))
                    forwarded.KnownIPNetworks.Add(network);
                else if (IPAddress.TryParse(proxy, out var address))
                    forwarded.KnownProxies.Add(address);
                else
                    throw new InvalidOperationException($"Mailflow:Http:TrustedProxies: '{proxy}' is neither an IP address nor a CIDR range.");
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline: everything after it sees the forwarded client and scheme.</summary>
    public static WebApplication UseHttpHardening(this WebApplication app)
    {
        // With no proxy configured the middleware stays out: given empty lists it would believe anyone.
        var options = app.Configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
        if (options.TrustedProxies.Count > 0)
            app.UseForwardedHeaders();
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            if (context.Request.IsHttps)
                headers.StrictTransportSecurity = StrictTransportSecurity;
            return next(context);
        });
        return app;
    }
}
