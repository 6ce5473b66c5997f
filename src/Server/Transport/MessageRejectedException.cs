using Mailflow.Smtp;

namespace Mailflow.Server.Transport;

/// <summary>
/// Thrown by a sink's commit when policy refuses the message (a mail flow rule's reject action):
/// the session answers <see cref="Reply"/> instead of 250 and stores nothing. Refusing during the
/// SMTP transaction means the sending server owns the failure — no NDR from us, so no backscatter.
/// </summary>
public sealed class MessageRejectedException(SmtpReply reply, string reason) : Exception(reason)
{
    public SmtpReply Reply { get; } = reply;
}
