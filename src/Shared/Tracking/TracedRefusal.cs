namespace Mailflow.Tracking;

/// <summary>What the refusals view of the message trace searches for. Text filters match case-insensitively anywhere in the value; the client address matches from its start (<c>203.0.113.</c> finds the whole /24).</summary>
public sealed record RefusalSearch
{
    public DateTimeOffset From { get; init; }
    public DateTimeOffset To { get; init; }
    public string? ClientAddress { get; init; }
    public string? Sender { get; init; }
    public string? Recipient { get; init; }
    /// <summary>The agent's display name (e.g. "DNS block lists").</summary>
    public string? Agent { get; init; }

    /// <summary>Without a window, the last 24 hours (the trace page's default).</summary>
    public static RefusalSearch Create(DateTimeOffset now, string? client, string? sender, string? recipient, string? agent, DateTimeOffset? from, DateTimeOffset? to)
    {
        var until = to ?? now.AddMinutes(1);
        return new RefusalSearch
        {
            ClientAddress = client, Sender = sender, Recipient = recipient, Agent = agent,
            From = from ?? until - MessageTraceSearches.DefaultWindow, To = until,
        };
    }
}

/// <summary>A page of refusals, newest first.</summary>
public sealed record RefusalPage(IReadOnlyList<TracedRefusal> Items, int Total);

/// <summary>
/// One thing a receive session refused during the SMTP conversation (a connection, a sender, a recipient, a message at
/// end of data): which client, what it had said, which agent refused it and why, and the reply it got. No message was
/// queued, so these events carry no queue id; <see cref="SessionId"/> leads to the session in the protocol log.
/// </summary>
/// <param name="Reason">The agent's own reason (for a DNS block list: the zone, its answer and the listing's TXT reason).</param>
public sealed record TracedRefusal(long Id, DateTimeOffset Time, string Node, string? ClientAddress, string? Helo, string Sender, string Recipients,
    string? Connector, string? Agent, string? Reason, int? ReplyCode, string? Reply, string? SessionId)
{
    /// <summary>
    /// Events written before the agent, reason, HELO and session had columns of their own carry them only in the detail
    /// ("{agent} at {event}: {verdict} — {reply} — {reason} (session {id})"): the agent and the session are read back from it.
    /// </summary>
    public static TracedRefusal From(MessageTrackingEvent e) => new(e.Id, e.Time, e.Node, e.RemoteHost, e.Helo, e.Sender, e.Recipients, e.Connector,
        e.Agent ?? AgentFromDetail(e.Detail), e.Reason, e.ReplyCode, e.Reply, e.SessionId ?? SessionFromDetail(e.Detail));

    private static string? AgentFromDetail(string? detail) =>
        detail?.IndexOf(" at ", StringComparison.Ordinal) is > 0 and var at ? detail[..at] : null;

    private static string? SessionFromDetail(string? detail)
    {
        const string marker = "(session ";
        if (detail is null || !detail.EndsWith(')') || detail.LastIndexOf(marker, StringComparison.Ordinal) is not (>= 0 and var start))
            return null;
        var id = detail[(start + marker.Length)..^1];
        return id.Length is > 0 and <= MessageTrackingEvent.SessionIdLength && !id.Contains(' ') ? id : null;
    }
}
