using Mailflow.Configuration;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.BuiltIn;

/// <summary>
/// The receive connector's message limits at the envelope: a declared SIZE over the connector's
/// maximum (RFC 1870: 552 5.3.4 at MAIL, before any octet is sent) and recipients per message
/// (RFC 5321 §4.5.3.1.10: 452 4.5.3, so the client sends the rest in another transaction). The size
/// of what actually arrives is enforced while it streams, by the DATA and BDAT receivers.
/// </summary>
public sealed class MessageLimitsAgent : ITransportAgent
{
    public string Name => "MessageLimits";
    public string DisplayName => "Message limits";
    public string Description => "Refuses a declared size over the connector's limit and recipients beyond its per-message maximum.";
    public AgentEvents Events => AgentEvents.MailFrom | AgentEvents.RcptTo;
    public int DefaultPriority => 90;
    public bool CanBeDisabled => false;

    /// <summary>The size limit for this session: none for clients with the bypass right.</summary>
    public static long MaxMessageSizeFor(AgentSession session) =>
        session.Rights.HasFlag(ReceiveRights.BypassMessageSizeLimit) ? long.MaxValue : session.Policy.MaxMessageSize;

    public ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken) =>
        new(message.Parameters.Size > MaxMessageSizeFor(session)
            ? AgentVerdict.Reject(SmtpReplies.MessageTooBig, $"declared size {message.Parameters.Size} octets is over the limit of {session.Policy.MaxMessageSize}")
            : AgentVerdict.Continue);

    public ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken) =>
        new(message.Recipients.Count >= session.Policy.MaxRecipientsPerMessage
            ? AgentVerdict.TempFail(SmtpReplies.TooManyRecipients, $"the connector takes {session.Policy.MaxRecipientsPerMessage} recipients per message")
            : AgentVerdict.Continue);
}
