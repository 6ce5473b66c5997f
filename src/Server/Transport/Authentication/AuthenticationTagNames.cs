namespace Mailflow.Server.Transport.Authentication;

/// <summary>Message tags the sender-authentication agent sets besides spf.result, dkim.result and dmarc.result (AgentTagNames).</summary>
public static class AuthenticationTagNames
{
    /// <summary>The domain SPF checked (MAIL FROM's, or the HELO name's for the null sender).</summary>
    public const string SpfDomain = Mailflow.Queue.MessageTagNames.SpfDomain;
    /// <summary>Comma-separated d= domains of the DKIM signatures that passed.</summary>
    public const string DkimPassDomains = Mailflow.Queue.MessageTagNames.DkimPassDomains;
    /// <summary>The RFC 5322 From domain DMARC judged.</summary>
    public const string FromDomain = Mailflow.Queue.MessageTagNames.DmarcFromDomain;
    /// <summary>On a DMARC fail: what the policy asked for this message (none, quarantine, reject).</summary>
    public const string DmarcDisposition = Mailflow.Queue.MessageTagNames.DmarcDisposition;
    /// <summary>How many incoming Authentication-Results headers claimed our authserv-id (forged or stale); they were removed.</summary>
    public const string ForgedResults = Mailflow.Queue.MessageTagNames.ForgedResults;
    /// <summary>The ARC chain status of the message (none, pass, fail; RFC 8617).</summary>
    public const string ArcResult = Mailflow.Queue.MessageTagNames.ArcResult;
    /// <summary>Why the delivery seals the message with our ARC set (we changed, redirected or forwarded it); absent = not sealed.</summary>
    public const string ArcSealReason = Mailflow.Queue.MessageTagNames.ArcSealReason;
}
