using System.Text;
using MimeKit;

namespace Mailflow.Server.Transport.Pickup;

/// <summary>A pickup file read into an envelope and the content to store.</summary>
/// <param name="Content">The message as stored: CRLF line ends, without Bcc, X-Sender and X-Receiver.</param>
public sealed record PickupMessage(string Sender, IReadOnlyList<string> Recipients, byte[] Content, bool EightBit, bool SmtpUtf8);

/// <summary>
/// Reads a pickup file the way Exchange's pickup directory does: the envelope sender is the
/// <c>X-Sender</c> header, else <c>Sender</c>, else the first <c>From</c> address; the recipients are the
/// <c>X-Receiver</c> headers (one address each), else every address of To, Cc and Bcc. <c>Bcc</c>,
/// <c>X-Sender</c> and <c>X-Receiver</c> are removed from what is stored (they would disclose the blind
/// copies and the envelope). Bare LF line ends become CRLF, as an SMTP client would send them. A file
/// that is not a message — no header, no sender, no recipient, an address that does not parse — is
/// refused with a reason for its badmail <c>.reason</c> file.
/// </summary>
public static class PickupMessageReader
{
    /// <summary>At most this many recipients per file (Exchange's PickupDirectoryMaxRecipientsPerMessage is 100; ours follows the organization limit, capped here).</summary>
    public const int MaxRecipients = 10_000;

    /// <returns>The message, or null with <paramref name="reason"/> (for the badmail .reason file).</returns>
    public static PickupMessage? Read(byte[] file, int maxRecipients, out string? reason)
    {
        reason = null;
        var bytes = ToCrLf(file);
        MimeMessage message;
        try
        {
            message = MimeMessage.Load(new MemoryStream(bytes, writable: false));
        }
        catch (Exception ex) when (ex is FormatException or ParseException)
        {
            reason = $"The file is not an RFC 5322 message: {ex.Message}";
            return null;
        }
        if (message.Headers.Count == 0 || !message.Headers.Any(h => h.Id is HeaderId.From or HeaderId.Sender or HeaderId.To or HeaderId.Cc or HeaderId.Bcc || IsEnvelopeHeader(h)))
        {
            reason = "The file has no message header (From, To, Cc, Bcc, X-Sender or X-Receiver): it does not look like a message.";
            return null;
        }

        var sender = EnvelopeSender(message, out reason);
        if (sender is null)
            return null;
        var recipients = Recipients(message, out reason);
        if (recipients is null)
            return null;
        if (recipients.Count == 0)
        {
            reason = "The message names no recipient: give it To, Cc or Bcc addresses, or X-Receiver headers.";
            return null;
        }
        if (recipients.Count > maxRecipients)
        {
            reason = $"The message has {recipients.Count} recipients; at most {maxRecipients} are allowed per message.";
            return null;
        }

        message.Headers.RemoveAll(HeaderId.Bcc);
        message.Headers.RemoveAll("X-Sender");
        message.Headers.RemoveAll("X-Receiver");
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        var content = output.ToArray();
        var smtpUtf8 = !IsAscii(sender) || recipients.Any(r => !IsAscii(r));
        return new PickupMessage(sender, recipients, content, content.Any(b => b > 127), smtpUtf8);
    }

    private static bool IsEnvelopeHeader(Header header) =>
        header.Field.Equals("X-Sender", StringComparison.OrdinalIgnoreCase) || header.Field.Equals("X-Receiver", StringComparison.OrdinalIgnoreCase);

    private static string? EnvelopeSender(MimeMessage message, out string? reason)
    {
        reason = null;
        if (message.Headers["X-Sender"] is { } xSender)
            return Address(xSender, "X-Sender", out reason);
        var mailbox = message.Sender ?? message.From.Mailboxes.FirstOrDefault();
        if (mailbox is null)
        {
            reason = "The message has no sender: give it a From (or Sender, or X-Sender) address.";
            return null;
        }
        return Address(mailbox.Address, mailbox == message.Sender ? "Sender" : "From", out reason);
    }

    private static List<string>? Recipients(MimeMessage message, out string? reason)
    {
        reason = null;
        var found = new List<string>();
        var envelope = message.Headers.Where(h => h.Field.Equals("X-Receiver", StringComparison.OrdinalIgnoreCase)).ToList();
        IEnumerable<(string Address, string Field)> candidates = envelope.Count > 0
            ? envelope.Select(h => (h.Value, "X-Receiver"))
            : message.To.Mailboxes.Select(m => (m.Address, "To"))
                .Concat(message.Cc.Mailboxes.Select(m => (m.Address, "Cc")))
                .Concat(message.Bcc.Mailboxes.Select(m => (m.Address, "Bcc")));
        foreach (var (text, field) in candidates)
        {
            var address = Address(text, field, out reason);
            if (address is null)
                return null;
            if (!found.Contains(address, StringComparer.OrdinalIgnoreCase))
                found.Add(address);
        }
        return found;
    }

    /// <summary>One address as SMTP would carry it (angle brackets and display names removed); null with a reason when it is not one.</summary>
    private static string? Address(string text, string field, out string? reason)
    {
        reason = null;
        var value = text.Trim();
        if (MailboxAddress.TryParse(value, out var parsed))
            value = parsed.Address;
        value = value.Trim().Trim('<', '>');
        if (Receive.Protocol.SmtpPathParser.TryParseMailbox(value, out var address) && !address.IsAddressLiteral)
            return address.Address;
        reason = $"The {field} address '{text.Trim()}' is not an e-mail address.";
        return null;
    }

    private static bool IsAscii(string text) => text.All(c => c < 128);

    /// <summary>Bare LF (and bare CR) line ends as CRLF: files written on Unix are not SMTP text.</summary>
    internal static byte[] ToCrLf(byte[] file)
    {
        var output = new List<byte>(file.Length + file.Length / 40);
        for (var i = 0; i < file.Length; i++)
        {
            var b = file[i];
            if (b == '\r')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
                if (i + 1 < file.Length && file[i + 1] == '\n')
                    i++;
            }
            else if (b == '\n')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
            }
            else
                output.Add(b);
        }
        return [.. output];
    }
}
