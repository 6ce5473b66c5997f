namespace Mailflow.Server.Api;

/// <summary>A conditional request's precondition is missing (428) or does not hold (412).</summary>
public sealed class ApiPreconditionException(int statusCode, string title, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Title { get; } = title;
}
