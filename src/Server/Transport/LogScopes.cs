using System.Collections;
using Mailflow.Queue;

namespace Mailflow.Server.Transport;

/// <summary>
/// The log scopes of the engine: every line logged while a session or a message is being handled carries
/// its ids, whichever class logs it (scopes flow with the async call, across loggers). The JSON console
/// format (<c>Mailflow:Logging:Json</c>) writes them as fields of the line's <c>Scopes</c>; the plain
/// format shows them with <c>IncludeScopes</c>. Key names are stable: <c>SessionId</c>, <c>Connector</c>,
/// <c>QueueId</c>, <c>MessageId</c> (the Message-ID header).
/// </summary>
public static class LogScopes
{
    public const string SessionId = "SessionId";
    public const string Connector = "Connector";
    public const string QueueId = "QueueId";
    public const string MessageId = "MessageId";

    /// <summary>An SMTP session: its id and receive connector.</summary>
    public static IDisposable? Session(ILogger logger, string sessionId, string connector) =>
        logger.BeginScope(new Scope([new(SessionId, sessionId), new(Connector, connector)]));

    /// <summary>A queued message being categorized or delivered: its queue id and Message-ID header.</summary>
    public static IDisposable? Message(ILogger logger, QueuedMessage message) =>
        logger.BeginScope(new Scope([new(QueueId, message.QueueId), new(MessageId, message.MessageIdHeader)]));

    /// <summary>Structured state (the JSON formatter reads the pairs) that also prints well in the plain format.</summary>
    private sealed class Scope(KeyValuePair<string, object?>[] values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => values[index];

        public int Count => values.Length;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => values.GetEnumerator();

        public override string ToString() => string.Join(' ', values.Where(v => v.Value is not null).Select(v => $"{v.Key}:{v.Value}"));
    }
}
