using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Protocol;

/// <summary>A parsed command line. One record per verb; the session switches on <see cref="Verb"/>.</summary>
public abstract record SmtpCommand(SmtpVerb Verb);

/// <summary>EHLO (extended) or HELO. <paramref name="ClientName"/> is the domain or address literal as given.</summary>
public sealed record HeloCommand(string ClientName, bool Extended) : SmtpCommand(Extended ? SmtpVerb.Ehlo : SmtpVerb.Helo);

/// <summary>MAIL FROM. <paramref name="Sender"/> is null for the null reverse-path <c>&lt;&gt;</c> (bounces, RFC 5321 §4.5.5).</summary>
public sealed record MailCommand(SmtpAddress? Sender, MailParameters Parameters) : SmtpCommand(SmtpVerb.Mail);

public sealed record RcptCommand(SmtpAddress Recipient, RcptParameters Parameters) : SmtpCommand(SmtpVerb.Rcpt);

/// <summary>RFC 3030 BDAT: exactly <paramref name="Size"/> octets of content follow the command line.</summary>
public sealed record BdatCommand(long Size, bool Last) : SmtpCommand(SmtpVerb.Bdat);

/// <summary>RFC 4954 AUTH; <paramref name="InitialResponse"/> is the base64 text after the mechanism, <c>=</c> for an empty one.</summary>
public sealed record AuthCommand(string Mechanism, string? InitialResponse) : SmtpCommand(SmtpVerb.Auth);

public sealed record VrfyCommand(string Argument) : SmtpCommand(SmtpVerb.Vrfy);

/// <summary>Commands without arguments worth keeping: DATA, RSET, NOOP, QUIT, HELP, STARTTLS.</summary>
public sealed record SimpleCommand(SmtpVerb Kind) : SmtpCommand(Kind);

/// <summary>MAIL FROM parameters (RFC 1870 SIZE, RFC 6152/3030 BODY, RFC 6531 SMTPUTF8, RFC 3461 RET/ENVID, RFC 4954 AUTH, RFC 8689 REQUIRETLS).</summary>
public sealed record MailParameters(
    long? Size = null,
    BodyType Body = BodyType.SevenBit,
    bool SmtpUtf8 = false,
    DsnReturn Return = DsnReturn.Unspecified,
    string? EnvelopeId = null,
    string? AuthSender = null,
    bool RequireTls = false)
{
    public static readonly MailParameters None = new();
}

/// <summary>RCPT TO parameters (RFC 3461 NOTIFY and ORCPT).</summary>
public sealed record RcptParameters(DsnNotify Notify = DsnNotify.Unspecified, string? OriginalRecipient = null)
{
    public static readonly RcptParameters None = new();
}
