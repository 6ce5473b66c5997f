using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Protocol;

/// <summary>
/// ESMTP parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2 <c>esmtp-param = esmtp-keyword ["=" esmtp-value]</c>).
/// Unknown keywords: <c>555 5.5.4</c> (§4.1.1.11). Bad values or duplicates: <c>501 5.5.4</c>.
/// </summary>
public static class SmtpParameterParser
{
    public static (MailParameters?, SmtpReply?) ParseMail(ReadOnlySpan<char> text)
    {
        var result = MailParameters.None;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var range in text.Split(' '))
        {
            var token = text[range];
            if (token.IsEmpty)
                continue;
            var (keyword, value) = Split(token);
            if (!seen.Add(keyword))
                return (null, SmtpReplies.BadParameterValue);
            switch (keyword)
            {
                case "SIZE": // RFC 1870 §3: size-value = 1*20DIGIT
                    if (value is null || value.Length > 20 || !value.All(char.IsAsciiDigit) || !long.TryParse(value, out var size))
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { Size = size };
                    break;
                case "BODY":
                    BodyType? body = value?.ToUpperInvariant() switch
                    {
                        "7BIT" => BodyType.SevenBit,
                        "8BITMIME" => BodyType.EightBitMime, // RFC 6152
                        "BINARYMIME" => BodyType.BinaryMime, // RFC 3030 §3
                        _ => null,
                    };
                    if (body is null)
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { Body = body.Value };
                    break;
                case "SMTPUTF8": // RFC 6531 §3.4: no value
                    if (value is not null)
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { SmtpUtf8 = true };
                    break;
                case "REQUIRETLS": // RFC 8689 §2: no value (whether the session may use it is the session's call)
                    if (value is not null)
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { RequireTls = true };
                    break;
                case "RET": // RFC 3461 §4.3
                    DsnReturn? ret = value?.ToUpperInvariant() switch { "FULL" => DsnReturn.Full, "HDRS" => DsnReturn.Headers, _ => null };
                    if (ret is null)
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { Return = ret.Value };
                    break;
                case "ENVID": // RFC 3461 §4.4: xtext, at most 100 characters
                    if (value is null || !Xtext.TryDecode(value, out var envelopeId) || envelopeId.Length > 100)
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { EnvelopeId = envelopeId };
                    break;
                case "AUTH": // RFC 4954 §5: xtext mailbox or <>
                    if (value is null || !Xtext.TryDecode(value, out var authSender))
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { AuthSender = authSender };
                    break;
                default:
                    return (null, SmtpReplies.UnknownParameter);
            }
        }
        return (result, null);
    }

    public static (RcptParameters?, SmtpReply?) ParseRcpt(ReadOnlySpan<char> text)
    {
        var result = RcptParameters.None;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var range in text.Split(' '))
        {
            var token = text[range];
            if (token.IsEmpty)
                continue;
            var (keyword, value) = Split(token);
            if (!seen.Add(keyword))
                return (null, SmtpReplies.BadParameterValue);
            switch (keyword)
            {
                case "NOTIFY": // RFC 3461 §4.1: NEVER, or a list of SUCCESS / FAILURE / DELAY
                    if (value is null || !TryParseNotify(value, out var notify))
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { Notify = notify };
                    break;
                case "ORCPT": // RFC 3461 §4.2: addr-type ";" xtext
                    var semicolon = value?.IndexOf(';') ?? -1;
                    if (value is null || semicolon <= 0 || !Xtext.TryDecode(value[(semicolon + 1)..], out var original) || original.Length == 0)
                        return (null, SmtpReplies.BadParameterValue);
                    result = result with { OriginalRecipient = $"{value[..semicolon]};{original}" };
                    break;
                default:
                    return (null, SmtpReplies.UnknownParameter);
            }
        }
        return (result, null);
    }

    private static (string Keyword, string? Value) Split(ReadOnlySpan<char> token)
    {
        var equals = token.IndexOf('=');
        return equals < 0
            ? (token.ToString().ToUpperInvariant(), null)
            : (token[..equals].ToString().ToUpperInvariant(), token[(equals + 1)..].ToString());
    }

    private static bool TryParseNotify(string value, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        foreach (var item in value.Split(','))
        {
            DsnNotify? flag = item.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => null,
            };
            if (flag is null || (notify & flag.Value) != 0)
                return false;
            notify |= flag.Value;
        }
        // NEVER must stand alone.
        return !notify.HasFlag(DsnNotify.Never) || notify == DsnNotify.Never;
    }
}
