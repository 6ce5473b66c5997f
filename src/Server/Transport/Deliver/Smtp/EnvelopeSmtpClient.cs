using MailKit;
using MailKit.Net.Smtp;
using Mailflow.Queue;
using Mailflow.Smtp;
using MimeKit;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>
/// MailKit's <see cref="SmtpClient"/> fed from a queued envelope instead of the message headers:
/// per-recipient NOTIFY, ENVID and RET come from the stored envelope (RFC 3461 §4 — a
/// relay passes them on when the next hop supports DSN); rejected recipients are recorded instead of
/// aborting the transaction (partial delivery); and the message is only re-encoded when the remote
/// lacks 8BITMIME (RFC 6152 §3: a relay must not send 8-bit data to a server that did not announce it).
/// <para>A next hop that advertises DSN gets our own transaction (<see cref="DsnEnvelopeTransaction"/>),
/// because MailKit 4.18 writes its own ORCPT and a subclass cannot choose it; RFC 3461 wants the
/// client's ORCPT passed on unchanged. Other next hops get MailKit's, without DSN parameters.</para>
/// </summary>
internal sealed class EnvelopeSmtpClient : SmtpClient
{
    public EnvelopeSmtpClient()
    {
    }

    /// <param name="protocolLogger">Writes the session to the SEND protocol log.</param>
    public EnvelopeSmtpClient(IProtocolLogger protocolLogger) : base(protocolLogger)
    {
    }

    private QueuedMessage? _envelope;
    private Dictionary<string, QueuedRecipient> _byAddress = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>RCPT replies of recipients the server refused, by recipient.</summary>
    public Dictionary<QueuedRecipient, SmtpResponse> Refused { get; } = [];

    /// <summary>Recipients the server accepted at RCPT.</summary>
    public List<QueuedRecipient> Accepted { get; } = [];

    /// <summary>True when the last message was re-encoded for a 7-bit-only server.</summary>
    public bool Downgraded { get; private set; }

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="recipients"/> of <paramref name="envelope"/>
    /// (after <see cref="BeginMessage"/>) from <paramref name="sender"/> (the stored sender, or its
    /// rewritten form for mail leaving the organization); returns the final reply's text.
    /// </summary>
    public Task<string> SendEnvelopeAsync(QueuedMessage envelope, string sender, IReadOnlyList<QueuedRecipient> recipients, MimeMessage message, CancellationToken cancellationToken)
    {
        if (Capabilities.HasFlag(SmtpCapabilities.Dsn) && DsnEnvelopeTransaction.Handles(envelope))
            return DsnEnvelopeTransaction.SendAsync(this, envelope, sender, recipients, message, cancellationToken);
        return SendAsync(FormatOptions.Default, message, new MailboxAddress("", sender),
            recipients.Select(r => new MailboxAddress("", r.Address)), cancellationToken);
    }

    public void BeginMessage(QueuedMessage envelope, IReadOnlyList<QueuedRecipient> recipients)
    {
        _envelope = envelope;
        _byAddress = new Dictionary<string, QueuedRecipient>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in recipients)
            _byAddress.TryAdd(recipient.Address, recipient);
        Refused.Clear();
        Accepted.Clear();
        Downgraded = false;
        DeliveryStatusNotificationType = envelope.DsnReturn switch
        {
            DsnReturn.Full => DeliveryStatusNotificationType.Full,
            DsnReturn.Headers => DeliveryStatusNotificationType.HeadersOnly,
            _ => DeliveryStatusNotificationType.Unspecified,
        };
    }

    protected override string? GetEnvelopeId(MimeMessage message) => _envelope?.DsnEnvelopeId;

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
    {
        if (!_byAddress.TryGetValue(mailbox.Address, out var recipient) || recipient.Notify == DsnNotify.Unspecified)
            return null;
        if (recipient.Notify.HasFlag(DsnNotify.Never))
            return DeliveryStatusNotification.Never;
        var notify = default(DeliveryStatusNotification);
        if (recipient.Notify.HasFlag(DsnNotify.Success))
            notify |= DeliveryStatusNotification.Success;
        if (recipient.Notify.HasFlag(DsnNotify.Failure))
            notify |= DeliveryStatusNotification.Failure;
        if (recipient.Notify.HasFlag(DsnNotify.Delay))
            notify |= DeliveryStatusNotification.Delay;
        return notify;
    }

    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
        // Send the stored bytes as they are unless the server cannot take them: only a 7-bit-only
        // server makes us re-encode (MimeKit picks quoted-printable or base64 per part).
        if (constraint != EncodingConstraint.SevenBit || _envelope?.BodyType == BodyType.SevenBit)
            return;
        Downgraded = true;
        base.Prepare(options, message, constraint, maxLineLength);
    }

    /// <summary>Re-encodes an 8-bit message for a server without 8BITMIME (our own transaction's part of <see cref="Prepare"/>).</summary>
    internal void DowngradeTo7Bit(MimeMessage message, int maxLineLength)
    {
        Downgraded = true;
        base.Prepare(FormatOptions.Default, message, EncodingConstraint.SevenBit, maxLineLength);
    }

    /// <summary>Our own transaction's RCPT reply, recorded as MailKit's callbacks record theirs.</summary>
    internal void RecordRecipientReply(QueuedRecipient recipient, SmtpResponse response)
    {
        if ((int)response.StatusCode is >= 200 and < 300)
            Accepted.Add(recipient);
        else
            Refused[recipient] = response;
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        if (_byAddress.TryGetValue(mailbox.Address, out var recipient))
            Accepted.Add(recipient);
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        // Record and go on with the other recipients: one refused RCPT fails only that recipient.
        if (_byAddress.TryGetValue(mailbox.Address, out var recipient))
            Refused[recipient] = response;
    }

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientsAcceptedException();
}

/// <summary>Every RCPT was refused; the per-recipient replies are in <see cref="EnvelopeSmtpClient.Refused"/>.</summary>
internal sealed class NoRecipientsAcceptedException() : Exception("The server accepted none of the recipients.");
