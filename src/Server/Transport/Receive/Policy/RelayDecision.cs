using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Policy;

/// <summary>
/// The one place that decides whether a RCPT is accepted: no open relay, ever.
/// <list type="number">
/// <item><c>&lt;Postmaster&gt;</c> is always accepted (RFC 5321 §4.5.1).</item>
/// <item>A domain we do not accept (address literals included) needs the RelayToAnyDomain right
///   (authenticated users, trusted relay ranges): otherwise <c>550 5.7.54</c>.</item>
/// <item>Without that right, a local part carrying routing syntax — <c>%</c> (the "percent hack"),
///   <c>!</c> (UUCP bang paths) or an <c>@</c> inside a quoted string — is refused as relay even in an
///   accepted domain, because a downstream server may still honour it (Postfix's
///   <c>allow_untrusted_routing = no</c>). Source routes were already stripped by the parser
///   (RFC 5321 §4.1.1.3, Appendix C), so <c>&lt;@local:user@ext&gt;</c> is judged as <c>user@ext</c>;
///   trailing dots and <c>user@ext@local</c> never get here (501 from the parser).</item>
/// <item>Authoritative domains need an existing recipient (<c>550 5.1.1</c>); internal/external relay
///   domains take any local part.</item>
/// </list>
/// </summary>
public static class RelayDecision
{
    /// <returns>Null to accept, or the reply that refuses the recipient.</returns>
    public static async ValueTask<SmtpReply?> DecideAsync(SmtpAddress recipient, ReceiveRights rights, IAddressAuthority authority, CancellationToken cancellationToken)
    {
        if (recipient.IsBarePostmaster)
            return null;
        var mayRelay = rights.HasFlag(ReceiveRights.RelayToAnyDomain);
        if (!mayRelay && !rights.HasFlag(ReceiveRights.SubmitToAcceptedDomains))
            return SmtpReplies.RelayDenied;

        var kind = recipient.IsAddressLiteral ? RecipientDomainKind.NotAccepted : authority.Classify(recipient.Domain);
        if (kind == RecipientDomainKind.NotAccepted)
            return mayRelay ? null : SmtpReplies.RelayDenied;

        if (!mayRelay && HasRoutingSyntax(recipient))
            return SmtpReplies.RelayDenied;

        if (kind == RecipientDomainKind.Authoritative
            && !await authority.RecipientExistsAsync(recipient, cancellationToken))
            return SmtpReplies.UnknownRecipient;
        return null;
    }

    private static bool HasRoutingSyntax(SmtpAddress recipient) =>
        recipient.UnquotedLocalPart.AsSpan().IndexOfAny('%', '!', '@') >= 0;
}
