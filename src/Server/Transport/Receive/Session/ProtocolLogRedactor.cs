using System.Buffers;
using System.Text;
using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// What the protocol log may show of a command line the client sent. After any AUTH command —
/// accepted or refused (538 before TLS, 503 when already authenticated, 504 for an unknown
/// mechanism) — the client may keep sending base64 credentials it meant as continuation lines, so
/// every line is masked until the client sends a command this server knows again. A line that is not
/// a known command is never logged verbatim either: it may be a password typed into the wrong place.
/// One per session.
/// </summary>
public sealed class ProtocolLogRedactor
{
    public const int MaxLoggedBytes = 512;
    public const string MaskedAuthData = "*** (AUTH data masked)";

    private bool _afterAuth;

    /// <param name="raw">The line as received (with its CRLF).</param>
    /// <param name="command">The parsed command, or null when the line was not one.</param>
    public string Describe(ReadOnlySequence<byte> raw, SmtpCommand? command)
    {
        switch (command)
        {
            case AuthCommand auth:
                _afterAuth = true;
                return auth.InitialResponse is null ? $"AUTH {Printable(auth.Mechanism)}" : $"AUTH {Printable(auth.Mechanism)} ***";
            case null when _afterAuth:
                return MaskedAuthData;
            case null:
                return $"*** (unrecognised line masked, {raw.Length} octets)";
            default:
                _afterAuth = false;
                return Encoding.UTF8.GetString(raw.Length > MaxLoggedBytes ? raw.Slice(0, MaxLoggedBytes) : raw).TrimEnd('\r', '\n');
        }
    }

    /// <summary>A continuation line of an AUTH exchange in progress.</summary>
    public static string DescribeContinuation() => MaskedAuthData;

    private static string Printable(string mechanism) =>
        mechanism.Length <= 20 && mechanism.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? mechanism : "(mechanism masked)";
}
