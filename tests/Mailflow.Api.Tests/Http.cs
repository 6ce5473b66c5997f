using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mailflow.Api.Tests;

/// <summary>JSON calls against the API, and assertions on its answers.</summary>
public static class Http
{
    public static async Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body is JsonNode node ? node.ToJsonString() : JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    /// <summary>Asserts the status and returns the body as JSON.</summary>
    public static async Task<JsonNode> ExpectAsync(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public static Task<JsonNode> GetOkAsync(this HttpClient client, string path) => client.GetAsync(path).ExpectAsync(HttpStatusCode.OK);

    /// <summary>GET with the ETag.</summary>
    public static async Task<(JsonObject Body, string ETag)> GetWithETagAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var etag = response.Headers.ETag?.ToString();
        Assert.NotNull(etag);
        return ((await response.Content.ReadFromJsonAsync<JsonObject>())!, etag);
    }

    /// <summary>Asserts a 422 problem with <paramref name="field"/> carrying exactly <paramref name="message"/>.</summary>
    public static void AssertFieldError(JsonNode problem, string field, string message)
    {
        Assert.Equal(422, problem["status"]!.GetValue<int>());
        var messages = problem["errors"]?[field]?.AsArray().Select(m => m!.GetValue<string>()).ToList() ?? [];
        Assert.True(messages.Contains(message), $"Expected errors.{field} to contain '{message}'; got: {problem["errors"]?.ToJsonString()}");
    }

    public static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 8)];
}
