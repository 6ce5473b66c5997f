using System.Buffers;
using System.Text;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Protocol;

/// <summary>
/// Frames and parses command lines. No I/O: the session hands it the bytes it has, and it either
/// consumes one line (yielding a command or an error reply) or reports "need more".
/// <list type="bullet">
/// <item>Every read is bounded before it is parsed: a line may hold at most
///   <see cref="MaxCommandLineLength"/> octets. RFC 5321 §4.5.3.1.4 sets 512 for the command line and
///   lets each ESMTP extension add to it (RFC 1870 +26, RFC 3461 +…, RFC 4954 +500 for AUTH=), so we
///   allow 2048 in all. AUTH lines (the command with its initial response, and continuation lines) may hold
///   <see cref="MaxAuthLineLength"/>: RFC 4954 §4 allows 12288 octets, and OAuth access tokens need it. A longer line is drained up to its CRLF — never buffered — and answered
///   <c>500 5.5.6</c>.</item>
/// <item>Lines end in CRLF only (§2.3.8). A bare LF or bare CR in a command line is refused with
///   <c>500 5.5.2</c>: servers that took LF as a line end are what SMTP smuggling exploits.</item>
/// <item>Verbs are case-insensitive (§2.4).</item>
/// </list>
/// The parser keeps one bit of state between calls: whether it is draining an over-long line.
/// </summary>
public sealed class SmtpCommandParser
{
    /// <summary>Octets per command line, CRLF included.</summary>
    public const int MaxCommandLineLength = 2048;

    /// <summary>Octets per AUTH command or continuation line, CRLF included (RFC 4954 §4).</summary>
    public const int MaxAuthLineLength = 12_288;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private bool _drainingOverlongLine;

    /// <summary>
    /// Tries to take one command line from <paramref name="reader"/>.
    /// </summary>
    /// <returns>
    /// True when a whole line was consumed: then exactly one of <paramref name="command"/> and
    /// <paramref name="error"/> is set. False when more input is needed (bytes of an over-long line
    /// may have been consumed).
    /// </returns>
    public bool TryParse(ref SequenceReader<byte> reader, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        error = null;
        if (!TryTakeLine(ref reader, out var line, out error, LineLimitFor(reader.UnreadSequence)))
            return false;
        if (error is not null)
            return true;
        return ParseLine(line, out command, out error);
    }

    /// <summary>
    /// The line framing alone: takes one CRLF-terminated line (without the CRLF), or sets a framing
    /// error. Also used for AUTH continuation lines.
    /// </summary>
    /// <param name="maxLength">Octets the line may hold, CRLF included.</param>
    public bool TryTakeLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line, out SmtpReply? error, int maxLength = MaxCommandLineLength)
    {
        line = default;
        error = null;
        var unread = reader.UnreadSequence;
        if (_drainingOverlongLine)
        {
            // Discarding an over-long line: skip to its LF (wherever it is), then answer once.
            var end = unread.PositionOf((byte)'\n');
            if (end is null)
            {
                reader.AdvanceToEnd();
                return false;
            }
            reader.Advance(unread.Slice(0, end.Value).Length + 1);
            _drainingOverlongLine = false;
            error = SmtpReplies.CommandLineTooLong;
            return true;
        }
        // Make sure the buffer is limited (Kestrel's TakeStartLine): look for LF only within the
        // allowance, so a client cannot make us scan or hold an unbounded line.
        var window = unread.Length > maxLength ? unread.Slice(0, maxLength) : unread;
        var lineFeed = window.PositionOf((byte)'\n');
        if (lineFeed is null)
        {
            if (unread.Length < maxLength)
                return false;
            _drainingOverlongLine = true;
            return TryTakeLine(ref reader, out line, out error, maxLength);
        }

        var raw = unread.Slice(0, lineFeed.Value);
        reader.Advance(raw.Length + 1);
        if (raw.IsEmpty || LastByte(raw) != (byte)'\r')
        {
            error = SmtpReplies.LineMustEndInCrlf;
            return true;
        }
        line = raw.Slice(0, raw.Length - 1);
        if (line.PositionOf((byte)'\r') is not null)
        {
            error = SmtpReplies.LineMustEndInCrlf;
            return true;
        }
        return true;
    }

    /// <summary>How long the line that starts <paramref name="unread"/> may be: an AUTH line's limit, else a command line's.</summary>
    internal static int LineLimitFor(ReadOnlySequence<byte> unread) => StartsWithAuth(unread) ? MaxAuthLineLength : MaxCommandLineLength;

    private static bool StartsWithAuth(ReadOnlySequence<byte> unread)
    {
        Span<byte> head = stackalloc byte[5];
        if (unread.Length < head.Length)
            return false;
        unread.Slice(0, head.Length).CopyTo(head);
        return Ascii.EqualsIgnoreCase(head, "AUTH "u8);
    }

    /// <summary>Parses one command line (CRLF already removed). Always consumes the line.</summary>
    public static bool ParseLine(ReadOnlySequence<byte> line, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        error = null;
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            error = SmtpReplies.SyntaxError;
            return true;
        }
        if (text.AsSpan().ContainsAnyInRange('\0', '\u0008') || text.Contains('\u007f'))
        {
            error = SmtpReplies.SyntaxError;
            return true;
        }

        var space = text.IndexOf(' ');
        var verb = space < 0 ? text : text[..space];
        var argument = space < 0 ? "" : text[(space + 1)..];
        switch (verb.ToUpperInvariant())
        {
            case "EHLO":
            case "HELO":
                var name = argument.Trim();
                if (name.Length == 0 || name.Contains(' ') || name.AsSpan().ContainsAnyInRange('\0', '\u001f'))
                    error = SmtpReplies.HeloRequiresDomain;
                else
                    command = new HeloCommand(name, Extended: verb.Equals("EHLO", StringComparison.OrdinalIgnoreCase));
                return true;
            case "MAIL":
                (command, error) = ParseMail(argument);
                return true;
            case "RCPT":
                (command, error) = ParseRcpt(argument);
                return true;
            case "DATA":
                return NoArguments(SmtpVerb.Data, argument, out command, out error);
            case "RSET":
                return NoArguments(SmtpVerb.Rset, argument, out command, out error);
            case "QUIT":
                return NoArguments(SmtpVerb.Quit, argument, out command, out error);
            case "STARTTLS":
                return NoArguments(SmtpVerb.StartTls, argument, out command, out error);
            case "NOOP":
                command = new SimpleCommand(SmtpVerb.Noop); // §4.1.1.9: a string argument is ignored
                return true;
            case "HELP":
                command = new SimpleCommand(SmtpVerb.Help);
                return true;
            case "VRFY":
                if (argument.Trim().Length == 0)
                    error = SmtpReplies.SyntaxError;
                else
                    command = new VrfyCommand(argument.Trim());
                return true;
            case "BDAT":
                (command, error) = ParseBdat(argument);
                return true;
            case "AUTH":
                (command, error) = ParseAuth(argument);
                return true;
            case "EXPN":
            case "TURN":
            case "ETRN":
                error = SmtpReplies.NotImplemented;
                return true;
            default:
                error = SmtpReplies.UnknownCommand;
                return true;
        }
    }

    private static bool NoArguments(SmtpVerb verb, string argument, out SmtpCommand? command, out SmtpReply? error)
    {
        command = null;
        error = null;
        if (argument.Trim().Length > 0)
            error = SmtpReplies.SyntaxError;
        else
            command = new SimpleCommand(verb);
        return true;
    }

    private static (SmtpCommand?, SmtpReply?) ParseMail(string argument)
    {
        if (!TrySplitPath(argument, "FROM:", out var path, out var parameters))
            return (null, SmtpReplies.BadSenderSyntax);
        SmtpAddress? sender = null;
        if (path.Length > 0 && !SmtpPathParser.TryParseMailbox(path, out sender))
            return (null, SmtpReplies.BadSenderSyntax);
        var (mailParameters, error) = SmtpParameterParser.ParseMail(parameters);
        return error is null ? (new MailCommand(sender, mailParameters!), null) : (null, error);
    }

    private static (SmtpCommand?, SmtpReply?) ParseRcpt(string argument)
    {
        if (!TrySplitPath(argument, "TO:", out var path, out var parameters))
            return (null, SmtpReplies.BadRecipientSyntax);
        SmtpAddress recipient;
        if (path.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            recipient = new SmtpAddress(path.ToString(), "", IsQuotedLocalPart: false, IsAddressLiteral: false);
        else if (!SmtpPathParser.TryParseMailbox(path, out recipient))
            return (null, SmtpReplies.BadRecipientSyntax);
        var (rcptParameters, error) = SmtpParameterParser.ParseRcpt(parameters);
        return error is null ? (new RcptCommand(recipient, rcptParameters!), null) : (null, error);
    }

    /// <summary>
    /// Splits <c>FROM:&lt;path&gt; params</c>. Tolerates spaces after the colon (many clients send
    /// them; Postfix accepts them too) but nothing else outside the grammar. The closing bracket is
    /// found outside quoted strings so <c>"a&gt;b"@x</c> stays one path.
    /// </summary>
    private static bool TrySplitPath(string argument, string keyword, out ReadOnlySpan<char> path, out ReadOnlySpan<char> parameters)
    {
        path = default;
        parameters = default;
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
            return false;
        var rest = argument.AsSpan(keyword.Length).TrimStart(' ');
        if (rest.IsEmpty || rest[0] != '<')
            return false;
        var inQuotes = false;
        for (var i = 1; i < rest.Length; i++)
        {
            var c = rest[i];
            if (inQuotes && c == '\\')
            {
                i++;
                continue;
            }
            if (c == '"')
                inQuotes = !inQuotes;
            else if (c == '>' && !inQuotes)
            {
                path = rest[1..i];
                var after = rest[(i + 1)..];
                if (!after.IsEmpty && after[0] != ' ')
                    return false;
                parameters = after.Trim(' ');
                return true;
            }
        }
        return false;
    }

    private static (SmtpCommand?, SmtpReply?) ParseBdat(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || parts[0].Length > 18 || !parts[0].All(char.IsAsciiDigit))
            return (null, SmtpReplies.BdatSizeInvalid);
        var last = false;
        if (parts.Length == 2)
        {
            if (!parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase))
                return (null, SmtpReplies.BdatSizeInvalid);
            last = true;
        }
        return (new BdatCommand(long.Parse(parts[0]), last), null);
    }

    private static (SmtpCommand?, SmtpReply?) ParseAuth(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2)
            return (null, SmtpReplies.SyntaxError);
        return (new AuthCommand(parts[0].ToUpperInvariant(), parts.Length == 2 ? parts[1] : null), null);
    }

    private static byte LastByte(ReadOnlySequence<byte> sequence)
    {
        var last = sequence.Slice(sequence.Length - 1);
        return last.FirstSpan[0];
    }
}
