using System.Net;

namespace Mailflow.Server.Transport.Receive.Policy;

public enum ProtocolDirection
{
    /// <summary>A line the client sent.</summary>
    Received,
    /// <summary>A reply line we sent.</summary>
    Sent,
    /// <summary>A session event (connect, TLS established, disconnect).</summary>
    Event,
}

/// <summary>One protocol log line. AUTH payloads are already masked by the session (never a secret in a log).</summary>
public sealed record ProtocolLogEntry(
    DateTimeOffset Time,
    string ConnectorName,
    string SessionId,
    EndPoint? LocalEndPoint,
    EndPoint? RemoteEndPoint,
    ProtocolDirection Direction,
    string Text);

/// <summary>Per-connector protocol log (opt-in). A rolling-file implementation writes under logs/.</summary>
public interface IProtocolLog
{
    void Write(ProtocolLogEntry entry);
}

public sealed class NullProtocolLog : IProtocolLog
{
    public static readonly NullProtocolLog Instance = new();

    public void Write(ProtocolLogEntry entry)
    {
    }
}
