namespace Mailflow.Tracking;

/// <summary>Which protocol log sessions to find. Reading is bounded: only the files of the window, at most <see cref="MaxSessions"/> sessions.</summary>
public sealed record ProtocolLogSearch
{
    public DateTimeOffset From { get; init; }
    public DateTimeOffset To { get; init; }
    /// <summary>The client's IP address, exactly (without port).</summary>
    public string? ClientAddress { get; init; }
    /// <summary>Matches connector names containing this text, case-insensitively.</summary>
    public string? Connector { get; init; }
    public int MaxSessions { get; init; } = 200;
}

/// <summary>One SMTP session in the protocol log.</summary>
/// <param name="Direction">Receive (a client connected to us) or Send (we delivered to a next hop).</param>
/// <param name="Outcome">What came of it in a word (<see cref="ProtocolLogOutcome"/>).</param>
public sealed record ProtocolLogSession(string SessionId, string Connector, string LocalEndPoint, string RemoteEndPoint, DateTimeOffset Start, DateTimeOffset End, int LineCount,
    ProtocolLogOutcome.Direction Direction = ProtocolLogOutcome.Direction.Receive, string Outcome = "");

/// <summary>Reads this node's SMTP protocol logs (RECV: sessions clients opened; SEND: sessions delivery opened) for the admin center.</summary>
public interface IProtocolLogReader
{
    /// <summary>Sessions that started in the window, newest first.</summary>
    Task<IReadOnlyList<ProtocolLogSession>> FindSessionsAsync(ProtocolLogSearch search, CancellationToken cancellationToken = default);

    /// <summary>Every line of one session in order; <paramref name="start"/> (the session's start) limits which files are read.</summary>
    Task<IReadOnlyList<ProtocolLogLine>> ReadSessionAsync(string sessionId, DateTimeOffset start, CancellationToken cancellationToken = default);
}
