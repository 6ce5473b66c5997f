using System.Globalization;
using System.Reflection;
using System.Text;
using MailKit.Net.Smtp;
using Mailflow.Queue;
using Mailflow.Smtp;
using MimeKit;
using MimeKit.IO;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>
/// One mail transaction (MAIL, RCPT…, DATA) written by us over a session MailKit connected, greeted,
/// secured and authenticated — for a next hop that advertises DSN, where RFC 3461 wants the client's
/// parameters passed on as they were given: NOTIFY and ORCPT per recipient, RET and ENVID per
/// message (§4, §5.2.1). MailKit 4.18 writes ORCPT itself (<c>rfc822;</c> the RCPT address, and
/// only beside a NOTIFY), with no way for a subclass to choose it, so the transaction is ours.
/// <para>What MailKit would decide otherwise is decided the same way here, from the stored envelope
/// instead of a scan of the content: <c>SIZE</c> when announced, <c>BODY=8BITMIME</c> for an 8-bit
/// message to a server with 8BITMIME (else the content is re-encoded to 7 bit, RFC 6152 §3),
/// <c>SMTPUTF8</c>, <c>REQUIRETLS</c> when the client asks for it; MAIL and the RCPTs pipelined when
/// the server offers PIPELINING (RFC 2920); the content dot-stuffed with Bcc, Resent-Bcc and
/// Content-Length hidden, as MailKit sends it. Refusals surface as MailKit's exceptions, so the
/// delivery agent reads every outcome the same way whichever path sent the message.</para>
/// <para>MailKit keeps the session's stream to itself: <see cref="SessionStream"/> reads it (and the
/// reply reader) by reflection, once. <c>SmtpDeliveryAgentDsnTests</c> fails on a MailKit upgrade
/// that moves them, before any message would.</para>
/// </summary>
internal static class DsnEnvelopeTransaction
{
    private const int MaxLineLength = 998;

    private static readonly PropertyInfo StreamProperty =
        typeof(SmtpClient).GetProperty("Stream", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingMemberException("MailKit's SmtpClient.Stream is gone: DsnEnvelopeTransaction needs updating.");

    private static readonly MethodInfo ReadResponseMethod =
        StreamProperty.PropertyType.GetMethod("ReadResponseAsync", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, [typeof(CancellationToken)])
        ?? throw new MissingMemberException("MailKit's SmtpStream.ReadResponseAsync is gone: DsnEnvelopeTransaction needs updating.");

    /// <summary>Whether this transaction can carry the message: not a BINARYMIME one (that needs BDAT, which MailKit does).</summary>
    public static bool Handles(QueuedMessage envelope) => envelope.BodyType != BodyType.BinaryMime;

    /// <returns>The final reply's text after the content, as MailKit's <c>SendAsync</c> returns it.</returns>
    public static async Task<string> SendAsync(EnvelopeSmtpClient client, QueuedMessage envelope, string sender, IReadOnlyList<QueuedRecipient> recipients,
        MimeMessage message, CancellationToken cancellationToken)
    {
        var stream = SessionStream(client);
        var capabilities = client.Capabilities;
        var format = ContentFormat(envelope);
        if (envelope.BodyType == BodyType.EightBitMime && !capabilities.HasFlag(SmtpCapabilities.EightBitMime))
            client.DowngradeTo7Bit(message, MaxLineLength);

        var commands = new List<string> { MailFrom(client, envelope, sender, capabilities.HasFlag(SmtpCapabilities.Size) ? Measure(message, format, cancellationToken) : null) };
        commands.AddRange(recipients.Select(RcptTo));

        var replies = new List<SmtpResponse>(commands.Count);
        if (capabilities.HasFlag(SmtpCapabilities.Pipelining))
        {
            await WriteAsync(stream, string.Concat(commands.Select(c => c + "\r\n")), cancellationToken);
            foreach (var _ in commands)
                replies.Add(await ReadReplyAsync(stream, cancellationToken));
        }
        else
        {
            foreach (var command in commands)
            {
                await WriteAsync(stream, command + "\r\n", cancellationToken);
                var reply = await ReadReplyAsync(stream, cancellationToken);
                replies.Add(reply);
                // A refused MAIL ends the transaction: no RCPT after it.
                if (replies.Count == 1 && !IsPositive(reply))
                    break;
            }
        }

        if (!IsPositive(replies[0]))
            throw new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, replies[0].StatusCode, new MailboxAddress("", sender), replies[0].Response);
        for (var i = 0; i < recipients.Count; i++)
            client.RecordRecipientReply(recipients[i], replies[i + 1]);
        if (client.Accepted.Count == 0)
            throw new NoRecipientsAcceptedException();

        var data = await CommandAsync(stream, "DATA", cancellationToken);
        if (data.StatusCode != SmtpStatusCode.StartMailInput)
            throw new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, data.StatusCode, data.Response);
        await using (var filtered = new FilteredStream(stream))
        {
            filtered.Add(new SmtpDataFilter());
            await message.WriteToAsync(format, filtered, cancellationToken);
            await filtered.FlushAsync(cancellationToken);
        }
        var final = await CommandAsync(stream, ".", cancellationToken);
        if (!IsPositive(final))
            throw new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, final.StatusCode, final.Response);
        return final.Response;
    }

    /// <summary>MAIL FROM with the stored envelope's parameters (RFC 1870, 6152, 6531, 3461 §4.3/§4.4, 8689).</summary>
    internal static string MailFrom(EnvelopeSmtpClient client, QueuedMessage envelope, string sender, long? size)
    {
        var capabilities = client.Capabilities;
        var command = new StringBuilder("MAIL FROM:<").Append(sender).Append('>');
        if (size is { } bytes)
            command.Append(" SIZE=").Append(bytes.ToString(CultureInfo.InvariantCulture));
        if (envelope.BodyType == BodyType.EightBitMime && capabilities.HasFlag(SmtpCapabilities.EightBitMime))
            command.Append(" BODY=8BITMIME");
        if (envelope.SmtpUtf8 && capabilities.HasFlag(SmtpCapabilities.UTF8))
            command.Append(" SMTPUTF8");
        if (client.RequireTLS && capabilities.HasFlag(SmtpCapabilities.RequireTLS))
            command.Append(" REQUIRETLS");
        if (envelope.DsnReturn != DsnReturn.Unspecified)
            command.Append(" RET=").Append(envelope.DsnReturn == DsnReturn.Full ? "FULL" : "HDRS");
        if (envelope.DsnEnvelopeId is { Length: > 0 } envelopeId)
            command.Append(" ENVID=").Append(Xtext.Encode(envelopeId));
        return command.ToString();
    }

    /// <summary>
    /// RCPT TO with the recipient's NOTIFY as stored and its ORCPT: the client's, else the envelope
    /// address this recipient came from (the categorizer stores it when the address changed; else it
    /// is the recipient's own address).
    /// </summary>
    internal static string RcptTo(QueuedRecipient recipient)
    {
        var command = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (Notify(recipient.Notify) is { } notify)
            command.Append(" NOTIFY=").Append(notify);
        command.Append(" ORCPT=").Append(Xtext.EncodeOriginalRecipient(recipient.OriginalRecipient ?? "rfc822;" + recipient.Address));
        return command.ToString();
    }

    private static string? Notify(DsnNotify notify)
    {
        if (notify == DsnNotify.Unspecified)
            return null;
        if (notify.HasFlag(DsnNotify.Never))
            return "NEVER";
        var flags = new List<string>(3);
        if (notify.HasFlag(DsnNotify.Success))
            flags.Add("SUCCESS");
        if (notify.HasFlag(DsnNotify.Failure))
            flags.Add("FAILURE");
        if (notify.HasFlag(DsnNotify.Delay))
            flags.Add("DELAY");
        return string.Join(',', flags);
    }

    private static FormatOptions ContentFormat(QueuedMessage envelope)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        format.International = envelope.SmtpUtf8;
        format.HiddenHeaders.Add(HeaderId.ContentLength);
        format.HiddenHeaders.Add(HeaderId.ResentBcc);
        format.HiddenHeaders.Add(HeaderId.Bcc);
        return format;
    }

    private static long Measure(MimeMessage message, FormatOptions format, CancellationToken cancellationToken)
    {
        using var measuring = new MeasuringStream();
        message.WriteTo(format, measuring, cancellationToken);
        return measuring.Length;
    }

    private static bool IsPositive(SmtpResponse reply) => (int)reply.StatusCode is >= 200 and < 300;

    private static Stream SessionStream(SmtpClient client) =>
        StreamProperty.GetValue(client) as Stream ?? throw new InvalidOperationException("The SMTP session has no stream: not connected.");

    private static async Task WriteAsync(Stream stream, string lines, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(lines), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private static async Task<SmtpResponse> CommandAsync(Stream stream, string command, CancellationToken cancellationToken)
    {
        await WriteAsync(stream, command + "\r\n", cancellationToken);
        return await ReadReplyAsync(stream, cancellationToken);
    }

    private static Task<SmtpResponse> ReadReplyAsync(Stream stream, CancellationToken cancellationToken) =>
        (Task<SmtpResponse>)ReadResponseMethod.Invoke(stream, [cancellationToken])!;
}
