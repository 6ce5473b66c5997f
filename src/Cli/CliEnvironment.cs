namespace Mailflow.Cli;

/// <summary>What the tool reads from its surroundings: environment variables, the home directory and standard input. Tests pass their own.</summary>
public sealed record CliEnvironment(IReadOnlyDictionary<string, string?> Variables, string HomeDirectory, TextReader StandardInput)
{
    public const string UrlVariable = "MAILFLOW_URL";
    public const string ApiKeyVariable = "MAILFLOW_API_KEY";

    public static CliEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        Console.In);

    public string? Get(string name) => Variables.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
