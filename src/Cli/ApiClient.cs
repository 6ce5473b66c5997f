using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mailflow.Cli;

/// <summary>
/// The REST API over HTTP with the API key. Responses come back as JSON nodes (the tool shows what
/// the server sends; it keeps no copy of the server's types). Problem details become
/// <see cref="CliApiException"/>.
/// </summary>
public sealed class ApiClient(HttpClient http, CliSettings settings)
{
    public const string ApiPrefix = "api/v1/";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A response body and its ETag (the object's revision).</summary>
    public sealed record Response(JsonNode? Body, string? ETag);

    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, path, null, null, cancellationToken)).Body ?? new JsonObject();

    public async Task<Response> SendAsync(HttpMethod method, string path, JsonNode? body, string? ifMatch, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(settings.ApiKey))
            throw new CliException($"No API key: set {CliEnvironment.ApiKeyVariable}, pass --api-key, or put \"apiKey\" in the config file. Create a key in the admin center (API) or with 'mailflow apikey create' using another key.");
        using var request = new HttpRequestMessage(method, new Uri(settings.BaseUrl, ApiPrefix + path.TrimStart('/')));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(JsonOptions), Encoding.UTF8, "application/json");

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"Cannot reach Mailflow at {settings.BaseUrl}: {ex.Message} (set {CliEnvironment.UrlVariable} or --url).");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw ToException(response.StatusCode, text);
            var etag = response.Headers.ETag?.ToString();
            return new Response(text.Length == 0 ? null : JsonNode.Parse(text), etag);
        }
    }

    /// <summary>A body as bytes, exactly as sent (message/rfc822 exports).</summary>
    public async Task<byte[]> GetBytesAsync(string path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(settings.ApiKey))
            throw new CliException($"No API key: set {CliEnvironment.ApiKeyVariable}, pass --api-key, or put \"apiKey\" in the config file.");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(settings.BaseUrl, ApiPrefix + path.TrimStart('/')));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"Cannot reach Mailflow at {settings.BaseUrl}: {ex.Message} (set {CliEnvironment.UrlVariable} or --url).");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw ToException(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
    }

    private static CliApiException ToException(HttpStatusCode status, string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem)
            {
                var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
                if (problem["errors"] is JsonObject fields)
                    foreach (var (field, messages) in fields)
                        errors[field] = messages is JsonArray list ? [.. list.Select(m => m?.GetValue<string>() ?? "")] : [messages?.ToString() ?? ""];
                return new CliApiException((int)status, problem["title"]?.GetValue<string>() ?? status.ToString(), problem["detail"]?.GetValue<string>(), errors);
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's error page): fall through.
        }
        return new CliApiException((int)status, $"{(int)status} {status}", text.Length > 500 ? text[..500] : text, new Dictionary<string, string[]>());
    }
}
