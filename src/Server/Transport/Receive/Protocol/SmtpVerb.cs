namespace Mailflow.Server.Transport.Receive.Protocol;

/// <summary>The commands this server understands (RFC 5321 §4.1.1, RFC 3030, RFC 3207, RFC 4954).</summary>
public enum SmtpVerb
{
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Help,
    StartTls,
    Auth,
}
