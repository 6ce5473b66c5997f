using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Mailflow.DomainHealth;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// Fetches <c>https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c> as a sending MTA would (RFC 8461
/// §3.3): HTTPS with a valid certificate for the name, no redirects, a small body, a time limit. The
/// host name is resolved through the node's DNS servers like every other check, not the system's.
/// </summary>
public sealed class MtaStsPolicyFetcher : IDisposable
{
    /// <summary>Policies are a few lines; RFC 8461 §3.3 lets senders stop reading at 64 KiB.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    private readonly HttpClient _client;
    private readonly int _port;

    public MtaStsPolicyFetcher(DomainHealthDns dns, IOptions<DomainHealthOptions> options)
        : this(dns, TimeSpan.FromSeconds(Math.Max(1, options.Value.MtaStsTimeoutSeconds)), 443, null)
    {
    }

    /// <param name="port">443, except in tests.</param>
    /// <param name="validateCertificate">The default platform validation, except in tests that trust their own authority.</param>
    internal MtaStsPolicyFetcher(DomainHealthDns dns, TimeSpan timeout, int port, RemoteCertificateValidationCallback? validateCertificate)
    {
        _port = port;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var host = context.DnsEndPoint.Host;
                var addresses = (await dns.Dns.AddressesAsync(host, ipv6: false, cancellationToken)).Records
                    .Concat((await dns.Dns.AddressesAsync(host, ipv6: true, cancellationToken)).Records).ToList();
                if (addresses.Count == 0)
                    throw new HttpRequestException($"{host} has no address in DNS.");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses.ToArray(), context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        if (validateCertificate is not null)
            handler.SslOptions.RemoteCertificateValidationCallback = validateCertificate;
        _client = new HttpClient(handler) { Timeout = timeout, MaxResponseContentBufferSize = MaxBodyBytes };
    }

    public static string PolicyUrl(string domain, int port = 443) =>
        port == 443 ? $"https://mta-sts.{domain}/.well-known/mta-sts.txt" : $"https://mta-sts.{domain}:{port}/.well-known/mta-sts.txt";

    /// <returns>The policy text, or why it could not be fetched.</returns>
    public async Task<(string? Policy, string? Error)> FetchAsync(string domain, CancellationToken cancellationToken)
    {
        var url = PolicyUrl(domain, _port);
        try
        {
            using var response = await _client.GetAsync(url, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
                return (null, $"{url} answered HTTP {(int)response.StatusCode}{(IsRedirect(response.StatusCode) ? " (a redirect, which senders must not follow)" : "")}.");
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(mediaType, "text/plain", StringComparison.OrdinalIgnoreCase))
                return (null, $"{url} is served as {mediaType ?? "no media type"}, not text/plain (RFC 8461 §3.2).");
            return (await response.Content.ReadAsStringAsync(cancellationToken), null);
        }
        catch (HttpRequestException exception)
        {
            return (null, $"{url} could not be fetched: {Innermost(exception)}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"{url} did not answer within {_client.Timeout.TotalSeconds:0} seconds.");
        }
    }

    private static bool IsRedirect(HttpStatusCode code) => (int)code is >= 300 and < 400;

    private static string Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
            exception = exception.InnerException;
        return exception.Message;
    }

    public void Dispose() => _client.Dispose();
}
