using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents;

/// <summary>What an agent decided at one event.</summary>
public enum AgentVerdictKind
{
    /// <summary>No objection: the next agent runs.</summary>
    Continue,
    /// <summary>Accepted for this event: agents after this one do not run for it (an allow list).</summary>
    Accept,
    /// <summary>Refused permanently with the reply (5yz).</summary>
    Reject,
    /// <summary>Refused for now with the reply (4yz): the client tries again later.</summary>
    TempFail,
    /// <summary>The reply (default 421 4.7.0) is sent and the connection closed.</summary>
    Disconnect,
    /// <summary>Wait <see cref="AgentVerdict.Delay"/> before the reply, then go on with the next agent.</summary>
    Tarpit,
    /// <summary>End of data only: answer 250 but drop the message (a rule's "delete silently").</summary>
    Discard,
    /// <summary>After the store: hold the message in quarantine instead of delivering it.</summary>
    Quarantine,
}

/// <summary>
/// One agent's answer at one event. Replies come from the one reply table (<see cref="SmtpReplies"/>)
/// or are built from configured text; the <see cref="Detail"/> is for the trace and the logs, never
/// shown to the client.
/// </summary>
public sealed record AgentVerdict(AgentVerdictKind Kind, SmtpReply? Reply = null, string? Detail = null, TimeSpan Delay = default)
{
    public static AgentVerdict Continue { get; } = new(AgentVerdictKind.Continue);

    /// <summary>No objection, with a line for the trace (e.g. "SPF pass for contoso.com").</summary>
    public static AgentVerdict ContinueWith(string detail) => new(AgentVerdictKind.Continue, Detail: detail);

    public static AgentVerdict Accept(string? detail = null) => new(AgentVerdictKind.Accept, Detail: detail);

    public static AgentVerdict Reject(SmtpReply reply, string? detail = null) =>
        reply.IsPermanent ? new(AgentVerdictKind.Reject, reply, detail) : throw new ArgumentException($"A reject needs a 5yz reply, not {reply.Code}.", nameof(reply));

    public static AgentVerdict TempFail(SmtpReply reply, string? detail = null) =>
        reply.IsTransient ? new(AgentVerdictKind.TempFail, reply, detail) : throw new ArgumentException($"A temporary failure needs a 4yz reply, not {reply.Code}.", nameof(reply));

    public static AgentVerdict Disconnect(SmtpReply? reply = null, string? detail = null) =>
        new(AgentVerdictKind.Disconnect, reply ?? SmtpReplies.AgentDisconnect, detail);

    public static AgentVerdict Tarpit(TimeSpan delay, string? detail = null) => new(AgentVerdictKind.Tarpit, Detail: detail, Delay: delay);

    public static AgentVerdict Discard(string? detail = null) => new(AgentVerdictKind.Discard, Detail: detail);

    public static AgentVerdict Quarantine(string detail) => new(AgentVerdictKind.Quarantine, Detail: detail);

    /// <summary>Whether this verdict ends the event's chain (no later agent runs).</summary>
    public bool IsFinal => Kind is not (AgentVerdictKind.Continue or AgentVerdictKind.Tarpit);

    /// <summary>Whether the client is refused (its command fails or the connection ends).</summary>
    public bool Refuses => Kind is AgentVerdictKind.Reject or AgentVerdictKind.TempFail or AgentVerdictKind.Disconnect;
}
