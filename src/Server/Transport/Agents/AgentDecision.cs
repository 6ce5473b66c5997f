namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// One agent's verdict at one event, as the trace and "Test mail flow" show it. Agents that said a
/// plain "continue" with nothing to report are not recorded.
/// </summary>
public sealed record AgentDecision(string Agent, string AgentDisplayName, AgentEvents Event, AgentVerdict Verdict, TimeSpan Elapsed, string? Recipient = null)
{
    /// <summary>"Connection filter at RCPT TO (bob@contoso.com): reject — 550 5.7.1 … — listed by zen.example".</summary>
    public string Describe()
    {
        var at = TransportAgentCatalog.EventNames(Event) is [var name] ? name : Event.ToString();
        if (Event == AgentEvents.RcptTo && Recipient is not null)
            at += $" ({Recipient})";
        var text = $"{AgentDisplayName} at {at}: {VerdictWord(Verdict.Kind)}";
        if (Verdict.Reply is { } reply)
            text += $" — {reply.Code} {reply.Enhanced} {reply.Text.Replace('\n', ' ')}";
        if (Verdict.Detail is { } detail)
            text += $" — {detail}";
        return text;
    }

    public static string VerdictWord(AgentVerdictKind kind) => kind switch
    {
        AgentVerdictKind.Continue => "passed",
        AgentVerdictKind.Accept => "accepted",
        AgentVerdictKind.Reject => "rejected",
        AgentVerdictKind.TempFail => "deferred (temporary failure)",
        AgentVerdictKind.Disconnect => "disconnected",
        AgentVerdictKind.Tarpit => "delayed",
        AgentVerdictKind.Discard => "deleted silently",
        AgentVerdictKind.Quarantine => "quarantined",
        _ => kind.ToString(),
    };
}

/// <summary>What the pipeline concluded for one event: the deciding verdict, the tarpit delay, every recorded decision.</summary>
public sealed record AgentOutcome(AgentVerdict Verdict, TimeSpan Delay, IReadOnlyList<AgentDecision> Decisions)
{
    public static AgentOutcome Nothing { get; } = new(AgentVerdict.Continue, TimeSpan.Zero, []);

    public bool Refuses => Verdict.Refuses;
}
