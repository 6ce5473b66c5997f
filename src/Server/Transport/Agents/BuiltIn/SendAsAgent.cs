using Mailflow.Configuration;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.BuiltIn;

/// <summary>
/// An authenticated submitter may use only their own addresses and send-as grants in MAIL FROM
/// (550 5.7.60), unless the connector grants "accept any sender" (Exchange's Ms-Exch-SMTP-Accept-Any-Sender).
/// </summary>
public sealed class SendAsAgent : ITransportAgent
{
    public string Name => "SendAs";
    public string DisplayName => "Send-as permission";
    public string Description => "Refuses an authenticated client's MAIL FROM address it has no right to send as.";
    public AgentEvents Events => AgentEvents.MailFrom;
    public int DefaultPriority => 110;
    public bool CanBeDisabled => false;

    public ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken) =>
        new(session.Identity is { } identity && !session.Rights.HasFlag(ReceiveRights.AcceptAnySender) && !identity.MaySendAs(message.Sender)
            ? AgentVerdict.Reject(SmtpReplies.SendAsDenied, $"{identity.UserName} may not send as <{message.SenderAddress}>")
            : AgentVerdict.Continue);
}
