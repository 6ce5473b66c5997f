using System.Net;
using Mailflow.Server.Transport.Authentication.Arc;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.Spf;
using MimeKit;

namespace Mailflow.Server.Transport.Authentication;

/// <summary>SPF, DKIM, DMARC and ARC of one message, as the agent and "Test mail flow" report them.</summary>
public sealed record SenderAuthenticationResult(SpfOutcome Spf, IReadOnlyList<DkimSignatureResult> Dkim, DmarcOutcome Dmarc, string? FromDomain, ArcOutcome? Arc = null)
{
    /// <summary>One DKIM word for the message: pass when any signature passed, none when unsigned, else the first signature's result.</summary>
    public DkimResult DkimSummary => Dkim.Count == 0 ? DkimResult.None : Dkim.Any(d => d.Result == DkimResult.Pass) ? DkimResult.Pass : Dkim[0].Result;

    public bool AnyTemporaryError => Spf.Result == SpfResult.TempError || Dmarc.Result == DmarcResult.TempError || Dkim.Any(d => d.Result == DkimResult.TempError);
}

/// <summary>Runs the checks in order (SPF and DKIM feed DMARC; ARC beside them) — the one code path of the agent, the diagnostics API and the what-if page.</summary>
public sealed class SenderAuthenticator(SpfEvaluator spf, DkimSignatureVerifier dkim, DmarcEvaluator dmarc, ArcChainVerifier? arc = null)
{
    public async Task<SenderAuthenticationResult> AuthenticateAsync(IPAddress client, string helo, string envelopeSender, MimeMessage message, CancellationToken cancellationToken)
    {
        var spfTask = spf.CheckMailFromAsync(client, helo, envelopeSender, cancellationToken);
        var dkimTask = dkim.VerifyAsync(message, cancellationToken);
        var arcTask = arc?.VerifyAsync(message, cancellationToken);
        var spfOutcome = await spfTask;
        var signatures = await dkimTask;
        var fromDomain = AuthorDomain(message);
        DmarcOutcome dmarcOutcome = fromDomain is null
            ? new DmarcOutcome(DmarcResult.PermError, DmarcPolicy.None, "", "The message does not have exactly one From address with a domain (RFC 7489 §6.6.1).")
            : await dmarc.EvaluateAsync(new DmarcInput(fromDomain, spfOutcome.Result, spfOutcome.Domain, [.. signatures.Select(s => (s.Result, s.Domain))]), cancellationToken);
        return new SenderAuthenticationResult(spfOutcome, signatures, dmarcOutcome, fromDomain, arcTask is null ? null : await arcTask);
    }

    /// <summary>The RFC 5322 From domain DMARC is about: exactly one mailbox with a domain, else null.</summary>
    public static string? AuthorDomain(MimeMessage message)
    {
        var fromHeaders = message.Headers.Count(h => h.Id == HeaderId.From);
        var mailboxes = message.From.Mailboxes.ToArray();
        if (fromHeaders != 1 || mailboxes.Length != 1)
            return null;
        var domain = DomainName.OfAddress(mailboxes[0].Address);
        return domain.Length == 0 ? null : domain;
    }
}
