using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>
/// What became of a sent recipient's DSN request, in words for the message trace (RFC 3461 §5.2):
/// passed on to a next hop that advertises DSN (which reports from then on), or ended here because
/// it does not — then a "relayed" DSN from us where SUCCESS was asked for (§5.2.2).
/// </summary>
internal static class DsnHandOver
{
    /// <returns>null when the sender asked nothing of DSN for this recipient.</returns>
    public static string? Explain(RecipientOutcome outcome, string? envelopeId)
    {
        var recipient = outcome.Recipient;
        if (recipient.Notify == DsnNotify.Unspecified && recipient.OriginalRecipient is null && envelopeId is null)
            return null;
        if (outcome.RemoteHandlesDsn)
            return $"DSN request passed on to the next hop, which reports from here on: {DsnEnvelopeTransaction.RcptTo(recipient)}";
        return recipient.Notify.HasFlag(DsnNotify.Success)
            ? "The next hop does not support DSN: this server sends the \"relayed\" DSN the sender asked for (RFC 3461 §5.2.2)"
            : "The next hop does not support DSN: the sender's DSN parameters end here (RFC 3461 §5.2.2)";
    }
}
