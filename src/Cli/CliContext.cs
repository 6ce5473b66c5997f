using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli;

/// <summary>What every command needs: the global options, the API client, the output, and one place that turns failures into an exit code.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, CliEnvironment environment, HttpClient http)
{
    public Option<string?> UrlOption { get; } = new("--url")
    {
        Description = $"The Mailflow server (default: ${CliEnvironment.UrlVariable}, the config file, or {CliSettings.DefaultUrl})",
        Recursive = true,
    };

    public Option<string?> ApiKeyOption { get; } = new("--api-key")
    {
        Description = $"The API key (default: ${CliEnvironment.ApiKeyVariable} or the config file)",
        Recursive = true,
    };

    public Option<bool> JsonOption { get; } = new("--json")
    {
        Description = "Print the API's JSON instead of a table (for scripts)",
        Recursive = true,
    };

    public CliEnvironment Environment { get; } = environment;

    /// <summary>Sets <paramref name="command"/>'s action: runs <paramref name="action"/> and maps failures to exit code 1 with the API's error text on stderr.</summary>
    public void Handle(Command command, Func<ParseResult, ApiClient, Output, CancellationToken, Task> action)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var result = new Output(output, parseResult.GetValue(JsonOption));
            try
            {
                var settings = CliSettings.Resolve(parseResult.GetValue(UrlOption), parseResult.GetValue(ApiKeyOption), Environment);
                await action(parseResult, new ApiClient(http, settings), result, cancellationToken);
                return 0;
            }
            catch (CliApiException ex)
            {
                WriteProblem(ex);
                return 1;
            }
            catch (CliException ex)
            {
                error.WriteLine($"Error: {ex.Message}");
                return 1;
            }
        });
    }

    private void WriteProblem(CliApiException ex)
    {
        error.WriteLine($"Error: {ex.Title} ({ex.Status})");
        if (ex.Errors.Count > 0)
        {
            foreach (var (field, messages) in ex.Errors)
                foreach (var message in messages)
                    error.WriteLine($"  {field}: {message}");
        }
        else if (!string.IsNullOrWhiteSpace(ex.Detail))
        {
            error.WriteLine($"  {ex.Detail}");
        }
    }

    /// <summary>Finds an object in a list by its identity property (name, domain, address; case-insensitive) or by id.</summary>
    public static async Task<JsonObject> FindAsync(ApiClient client, string path, string keyProperty, string nameOrId, string noun, CancellationToken cancellationToken)
    {
        var items = await client.GetAsync(path, cancellationToken) as JsonArray ?? [];
        return items.OfType<JsonObject>().FirstOrDefault(i =>
                   string.Equals(Column.Text(i[keyProperty]), nameOrId.Trim(), StringComparison.OrdinalIgnoreCase)
                   || string.Equals(Column.Text(i["id"]), nameOrId.Trim(), StringComparison.OrdinalIgnoreCase))
               ?? throw new CliException($"There is no {noun} '{nameOrId}'.");
    }

    /// <summary>Read, change, write back with If-Match: a change someone else saved in between is refused (412), not overwritten.</summary>
    public static async Task<JsonNode?> UpdateAsync(ApiClient client, string path, string keyProperty, string nameOrId, string noun, Action<JsonObject> change, CancellationToken cancellationToken)
    {
        var found = await FindAsync(client, path, keyProperty, nameOrId, noun, cancellationToken);
        var id = Column.Text(found["id"]);
        var current = await client.SendAsync(HttpMethod.Get, $"{path}/{id}", null, null, cancellationToken);
        var body = current.Body as JsonObject ?? throw new CliException($"The server returned no {noun}.");
        change(body);
        return (await client.SendAsync(HttpMethod.Put, $"{path}/{id}", body, current.ETag, cancellationToken)).Body;
    }

    /// <summary>Removes with If-Match from a fresh read.</summary>
    public static async Task RemoveAsync(ApiClient client, string path, string keyProperty, string nameOrId, string noun, CancellationToken cancellationToken)
    {
        var found = await FindAsync(client, path, keyProperty, nameOrId, noun, cancellationToken);
        var id = Column.Text(found["id"]);
        var current = await client.SendAsync(HttpMethod.Get, $"{path}/{id}", null, null, cancellationToken);
        await client.SendAsync(HttpMethod.Delete, $"{path}/{id}", null, current.ETag, cancellationToken);
    }
}
