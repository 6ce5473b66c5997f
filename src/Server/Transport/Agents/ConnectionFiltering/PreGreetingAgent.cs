using Mailflow.Configuration;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.ConnectionFiltering;

/// <summary>
/// Postscreen's pre-greeting tests, per receive connector (<c>PreGreetingChecks</c>): the banner is held
/// for the greet pause and a client that talks first is refused <c>554 5.5.1</c> instead of greeted
/// (RFC 5321 §3.1: the client waits for the greeting; spam bots often do not). A client that sends
/// further commands before the reply to HELO/EHLO — or at all after HELO, which never offers
/// PIPELINING — is pipelining without RFC 2920's permission and is closed with <c>421 4.5.1</c>.
/// Clients on the IP allow list skip the checks (the IP list agent accepts them before this one runs,
/// and its tag is read at later commands).
/// </summary>
public sealed class PreGreetingAgent(TimeProvider time) : ITransportAgent
{
    public const string AgentName = "PreGreeting";

    public string Name => AgentName;
    public string DisplayName => "Connection filter: pre-greeting checks";
    public string Description => "Holds the banner for the connector's greet pause and refuses clients that talk before it, or pipeline commands without PIPELINING.";
    public AgentEvents Events => AgentEvents.Connect | AgentEvents.Helo | AgentEvents.MailFrom | AgentEvents.RcptTo;
    public int DefaultPriority => 230;
    /// <summary>The greet pause (at most 10 s) runs inside the connect event.</summary>
    public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(30);
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.FailOpen;

    public async ValueTask<AgentVerdict> OnConnectAsync(AgentSession session, CancellationToken cancellationToken)
    {
        if (!Applies(session))
            return AgentVerdict.Continue;
        var pause = session.Policy.GreetPause;
        if (session.IsWhatIf)
            return AgentVerdict.ContinueWith($"the banner would be held {pause.TotalMilliseconds:0} ms");
        if (pause > TimeSpan.Zero)
            await Task.Delay(pause, time, cancellationToken);
        return session.ClientInput!.HasUnansweredInput
            ? AgentVerdict.Reject(SmtpReplies.TalkedBeforeGreeting, $"{session.ClientAddress} sent data before the banner (greet pause {pause.TotalMilliseconds:0} ms)")
            : AgentVerdict.Continue;
    }

    public ValueTask<AgentVerdict> OnHeloAsync(AgentSession session, CancellationToken cancellationToken) =>
        new(PipelinedEarly(session) ? Refuse(session, $"{session.ClientAddress} sent commands after {(session.Extended ? "EHLO" : "HELO")} before its reply") : AgentVerdict.Continue);

    public ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken) => new(AfterHelo(session));

    public ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken) => new(AfterHelo(session));

    /// <summary>After HELO (not EHLO) PIPELINING was never offered: any command sent before the previous reply is a violation.</summary>
    private static AgentVerdict AfterHelo(AgentSession session) =>
        !session.Extended && PipelinedEarly(session)
            ? Refuse(session, $"{session.ClientAddress} pipelined commands after HELO, which does not offer PIPELINING")
            : AgentVerdict.Continue;

    private static bool PipelinedEarly(AgentSession session) =>
        Applies(session) && !session.IsWhatIf && session.ClientInput!.HasUnansweredInput;

    private static AgentVerdict Refuse(AgentSession session, string detail) =>
        AgentVerdict.Disconnect(SmtpReplies.PipeliningNotOffered(session.Policy.Fqdn), detail);

    private static bool Applies(AgentSession session) =>
        session.Policy.PreGreetingChecks
        && (session.ClientInput is not null || session.IsWhatIf)
        && !session.Tags.IsTrue(AgentTagNames.ConnectionAllowed);
}
