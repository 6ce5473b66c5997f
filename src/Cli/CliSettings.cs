using System.Text.Json;

namespace Mailflow.Cli;

/// <summary>
/// Where the server is and which key to use. Each comes from the first of: the command line
/// (<c>--url</c>, <c>--api-key</c>), the environment (<c>MAILFLOW_URL</c>, <c>MAILFLOW_API_KEY</c>),
/// the config file (<c>$XDG_CONFIG_HOME/mailflow/cli.json</c> or <c>~/.config/mailflow/cli.json</c>:
/// <c>{ "url": "...", "apiKey": "..." }</c>); the URL defaults to the server's default address.
/// </summary>
public sealed record CliSettings(Uri BaseUrl, string? ApiKey)
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private sealed record ConfigFile(string? Url, string? ApiKey);

    public static string ConfigFilePath(CliEnvironment environment)
    {
        var configHome = environment.Get("XDG_CONFIG_HOME") ?? Path.Combine(environment.HomeDirectory, ".config");
        return Path.Combine(configHome, "mailflow", "cli.json");
    }

    public static CliSettings Resolve(string? urlOption, string? keyOption, CliEnvironment environment)
    {
        ConfigFile? file = null;
        var path = ConfigFilePath(environment);
        if (File.Exists(path))
        {
            try
            {
                file = JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web));
            }
            catch (JsonException ex)
            {
                throw new CliException($"{path} is not valid JSON ({ex.Message}). Expected {{ \"url\": \"http://127.0.0.1:5080\", \"apiKey\": \"mf_...\" }}.");
            }
        }
        var url = urlOption ?? environment.Get(CliEnvironment.UrlVariable) ?? file?.Url ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            throw new CliException($"'{url}' is not an http(s) URL for the Mailflow server.");
        var key = keyOption ?? environment.Get(CliEnvironment.ApiKeyVariable) ?? file?.ApiKey;
        return new CliSettings(baseUrl, key);
    }
}
