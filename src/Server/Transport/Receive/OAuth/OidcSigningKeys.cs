using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Mailflow.Server.Transport.Receive.OAuth;

/// <summary>
/// The signing keys of the OpenID Connect issuer OAuth submission trusts: its discovery document
/// (<c>{issuer}/.well-known/openid-configuration</c>, OpenID Connect Discovery §4) names the <c>jwks_uri</c>,
/// whose JSON Web Key Set (RFC 7517) is cached for <see cref="CacheLifetime"/>. A token signed with a key
/// id the cache does not know asks for a refresh (the issuer rotated its keys), at most once per
/// <see cref="MinRefreshInterval"/> so forged key ids cannot make us hammer the issuer.
/// Microsoft.IdentityModel's ConfigurationManager is not used: after a refresh request it hands out the
/// old keys while it fetches in the background, so the token that asked for the refresh would still fail.
/// </summary>
public sealed class OidcSigningKeys(HttpClient http, TimeProvider time)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(10);
    /// <summary>Larger discovery documents or key sets are refused rather than read.</summary>
    public const int MaxDocumentBytes = 256 * 1024;

    private readonly SemaphoreSlim _fetch = new(1, 1);
    private volatile CachedKeys? _cached;

    private sealed record CachedKeys(string Issuer, IReadOnlyList<SecurityKey> Keys, DateTimeOffset FetchedAt);

    /// <summary>Fetches (or refetches) the key set; the count of fetches that reached the issuer.</summary>
    public int Fetches { get; private set; }

    public static string DiscoveryUrl(string issuer) => issuer.TrimEnd('/') + "/.well-known/openid-configuration";

    /// <param name="refresh">The caller met a key id the cached set lacks.</param>
    /// <exception cref="OidcUnavailableException">The discovery document or the key set could not be fetched or read.</exception>
    public async Task<IReadOnlyList<SecurityKey>> GetAsync(string issuer, bool refresh, CancellationToken cancellationToken)
    {
        if (Usable(_cached, issuer, refresh) is { } keys)
            return keys;
        await _fetch.WaitAsync(cancellationToken);
        try
        {
            if (Usable(_cached, issuer, refresh) is { } fetchedMeanwhile)
                return fetchedMeanwhile;
            var cached = _cached;
            if (refresh && cached is not null && cached.Issuer == issuer && time.GetUtcNow() - cached.FetchedAt < MinRefreshInterval)
                return cached.Keys; // refreshed a moment ago: the key id is simply unknown
            var fetched = new CachedKeys(issuer, await FetchAsync(issuer, cancellationToken), time.GetUtcNow());
            _cached = fetched;
            Fetches++;
            return fetched.Keys;
        }
        finally
        {
            _fetch.Release();
        }
    }

    private IReadOnlyList<SecurityKey>? Usable(CachedKeys? cached, string issuer, bool refresh) =>
        !refresh && cached is not null && cached.Issuer == issuer && time.GetUtcNow() - cached.FetchedAt < CacheLifetime ? cached.Keys : null;

    private async Task<IReadOnlyList<SecurityKey>> FetchAsync(string issuer, CancellationToken cancellationToken)
    {
        var discoveryUrl = DiscoveryUrl(issuer);
        var text = await ReadAsync(discoveryUrl, cancellationToken);
        JsonDocument discovery;
        try
        {
            discovery = JsonDocument.Parse(text);
        }
        catch (JsonException exception)
        {
            throw new OidcUnavailableException($"{discoveryUrl} is not JSON: {exception.Message}", exception);
        }
        using var _ = discovery;
        if (discovery.RootElement.ValueKind != JsonValueKind.Object || !discovery.RootElement.TryGetProperty("jwks_uri", out var jwksProperty) || jwksProperty.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(jwksProperty.GetString(), UriKind.Absolute, out var jwksUri) || jwksUri.Scheme != Uri.UriSchemeHttps)
            throw new OidcUnavailableException($"{discoveryUrl} names no https jwks_uri");
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(await ReadAsync(jwksUri.AbsoluteUri, cancellationToken)) { SkipUnresolvedJsonWebKeys = true };
        }
        catch (ArgumentException exception)
        {
            throw new OidcUnavailableException($"{jwksUri} is not a JSON Web Key Set: {exception.Message}", exception);
        }
        return [.. set.GetSigningKeys()];
    }

    private async Task<string> ReadAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new OidcUnavailableException($"{url} answered {(int)response.StatusCode}");
            if (response.Content.Headers.ContentLength > MaxDocumentBytes)
                throw new OidcUnavailableException($"{url} is larger than {MaxDocumentBytes} bytes");
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxDocumentBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
                length += read;
            if (length > MaxDocumentBytes)
                throw new OidcUnavailableException($"{url} is larger than {MaxDocumentBytes} bytes");
            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OidcUnavailableException($"{url} could not be fetched: {exception.Message}", exception);
        }
    }
}

/// <summary>The issuer's discovery document or key set could not be had: AUTH answers 454 4.7.0 (try again later).</summary>
public sealed class OidcUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
