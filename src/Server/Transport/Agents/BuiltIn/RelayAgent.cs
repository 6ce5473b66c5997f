using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.BuiltIn;

/// <summary>
/// No open relay, ever: MAIL needs a right to submit at all (530 5.7.0 "authentication required"
/// otherwise), and every RCPT goes through <see cref="RelayDecision"/> (accepted domains, existing
/// recipients, routing syntax). Cannot be turned off.
/// </summary>
public sealed class RelayAgent(IAddressAuthority authority) : ITransportAgent
{
    public string Name => "Relay";
    public string DisplayName => "Relay and recipient check";
    public string Description => "Refuses relaying to domains we do not accept unless the client may relay, and unknown recipients in authoritative domains.";
    public AgentEvents Events => AgentEvents.MailFrom | AgentEvents.RcptTo;
    public int DefaultPriority => 100;
    public bool CanBeDisabled => false;
    /// <summary>Recipient lookups read the snapshot; a store outage is a temporary failure.</summary>
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.TempFail;

    public ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken) =>
        new((session.Rights & (ReceiveRights.SubmitToAcceptedDomains | ReceiveRights.RelayToAnyDomain)) == 0
            ? AgentVerdict.Reject(SmtpReplies.AuthRequired, "this connector takes mail only from authenticated clients")
            : AgentVerdict.Continue);

    public async ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken)
    {
        SmtpReply? refusal;
        try
        {
            refusal = await RelayDecision.DecideAsync(recipient.Address, session.Rights, authority, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The directory could not be asked: our problem, not the client's (451 4.3.0, try again).
            return AgentVerdict.TempFail(SmtpReplies.LocalError, $"the recipient directory failed ({exception.GetType().Name})");
        }
        if (refusal is null)
            return AgentVerdict.Continue;
        var why = refusal == SmtpReplies.UnknownRecipient ? "no such recipient" : "relay denied";
        return refusal.IsPermanent ? AgentVerdict.Reject(refusal, why) : AgentVerdict.TempFail(refusal, why);
    }
}
