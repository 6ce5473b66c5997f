namespace Mailflow.Cli;

/// <summary>A failure to report to the user as is (no stack trace): bad input, no key, the server unreachable.</summary>
public class CliException(string message) : Exception(message);

/// <summary>The API refused the request: its RFC 9457 problem details, field errors included.</summary>
public sealed class CliApiException(int status, string title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    : CliException(title)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
