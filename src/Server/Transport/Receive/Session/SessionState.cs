namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>Where a session is between commands (RFC 5321 §4.1.4 ordering). Content receivers (DATA, BDAT, AUTH) are sub-states of the session loop.</summary>
public enum SessionState
{
    /// <summary>Greeting sent; EHLO/HELO expected (also right after STARTTLS, RFC 3207 §4.2).</summary>
    Connected,
    /// <summary>EHLO/HELO done, no mail transaction open.</summary>
    Ready,
    /// <summary>MAIL accepted, no recipient yet.</summary>
    MailGiven,
    /// <summary>At least one RCPT accepted (or attempted): DATA/BDAT may follow.</summary>
    RcptGiven,
    /// <summary>Between BDAT chunks (RFC 3030): only BDAT, RSET, NOOP, QUIT.</summary>
    BdatInProgress,
    /// <summary>QUIT answered, or the session is closing.</summary>
    Closed,
}
