namespace Mailflow.Tracking;

/// <summary>Filters for the protocol log session search. Every filter is optional; the time window defaults to the last hour.</summary>
public sealed record ProtocolLogQuery
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    /// <summary>The client's IP address (the remote endpoint without its port), exact.</summary>
    public string? ClientIp { get; init; }
    /// <summary>The receive connector's name, case-insensitive exact.</summary>
    public string? Connector { get; init; }
    /// <summary>At most this many sessions, newest first; defaults to 100.</summary>
    public int Take { get; init; } = 100;
}

/// <summary>One SMTP session found in the protocol log.</summary>
public sealed record ProtocolLogSession(
    string SessionId,
    string Connector,
    string LocalEndPoint,
    string RemoteEndPoint,
    DateTimeOffset Start,
    DateTimeOffset End,
    int LineCount);

/// <summary>One line of a session's transcript: <c>&lt;</c> client sent, <c>&gt;</c> we sent, <c>*</c> an event.</summary>
public sealed record ProtocolLogLine(DateTimeOffset Time, string Event, string Data);

/// <summary>
/// Reads the receive protocol log (Exchange's CSV format) for the admin center and the REST API.
/// AUTH payloads were masked before they were written, so nothing read here is a secret.
/// </summary>
public interface IProtocolLogReader
{
    Task<IReadOnlyList<ProtocolLogSession>> FindSessionsAsync(ProtocolLogQuery query, CancellationToken ct);

    /// <summary>The session's lines in order. <paramref name="around"/> (any time inside the session) picks the hourly files to read.</summary>
    Task<IReadOnlyList<ProtocolLogLine>> ReadSessionAsync(string sessionId, DateTimeOffset around, CancellationToken ct);
}
