using Mailflow.Server.Transport.Categorize.TransportRules;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// Why a message Mailflow passes on should carry our ARC set (RFC 8617): we changed it (a rule's
/// disclaimer, subject prefix, headers or added recipients; the anti-spam subject marker), a rule redirected it, or a mail contact
/// forwarded it outside. Downstream DMARC can then trust our changes instead of failing on a broken
/// DKIM signature or SPF for our address. Null when we pass it on as it came.
/// </summary>
public static class ArcSealMarker
{
    /// <param name="spamSubjectMarked">The anti-spam agent's subject prefix was written into the message.</param>
    public static string? ReasonFor(RuleDecision decision, RecipientResolution resolution, bool spamSubjectMarked = false)
    {
        var reasons = new List<string>();
        if (decision.ChangesContent)
            reasons.Add("content changed by mail flow rules");
        if (spamSubjectMarked)
            reasons.Add("subject marked as spam");
        if (!decision.RedirectTo.IsEmpty)
            reasons.Add("redirected by a mail flow rule");
        if (resolution.Recipients.Any(r => r.Kind == ResolvedRecipientKind.ExternalForward))
            reasons.Add("forwarded to an external address");
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }
}
