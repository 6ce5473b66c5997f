using Mailflow.Configuration;
using Mailflow.Queue;
using MimeKit;

namespace Mailflow.Server.Transport.Agents.Moderation;

public enum ModerationVerdict { Approve, Reject }

/// <summary>
/// What a moderator's reply says and whether it may say it. The decision is the first word of the reply's
/// text (what Exchange's Approve/Reject voting buttons put there), else the first word of its subject after
/// "Re:"/"AW:"/"SV:" prefixes: <c>Approve</c>/<c>Approved</c> or <c>Reject</c>/<c>Rejected</c>, any case. After
/// Reject, the rest of that line is the reason the sender's NDR gives.
/// A reply counts only from a moderator of the held message, proven by an authenticated submission as that
/// moderator's mailbox, or — for a moderator outside — by the From address being the moderator's and DMARC
/// passing for its domain (SPF or DKIM aligned with From). Anything else (a forged From, another user) decides nothing.
/// </summary>
public static class ModerationReply
{
    private static readonly string[] ReplyPrefixes = ["re:", "aw:", "sv:", "fw:", "wg:", "antw:"];

    public static (ModerationVerdict Verdict, string? Reason)? ReadDecision(MimeMessage reply)
    {
        var firstLine = (reply.TextBody ?? "").ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        if (Decide(firstLine) is { } fromBody)
            return fromBody;
        var subject = (reply.Subject ?? "").Trim();
        for (var stripped = true; stripped;)
        {
            stripped = false;
            foreach (var prefix in ReplyPrefixes.Where(p => subject.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                subject = subject[prefix.Length..].TrimStart();
                stripped = true;
            }
        }
        return Decide(subject) is { } fromSubject ? (fromSubject.Verdict, null) : null;
    }

    private static (ModerationVerdict Verdict, string? Reason)? Decide(string line)
    {
        var end = 0;
        while (end < line.Length && char.IsLetter(line[end]))
            end++;
        var word = line[..end].ToLowerInvariant();
        var rest = line[end..].Trim().TrimStart(':', ',', '-', '.', ';').Trim();
        return word switch
        {
            "approve" or "approved" => (ModerationVerdict.Approve, null),
            "reject" or "rejected" => (ModerationVerdict.Reject, rest.Length == 0 ? null : rest),
            _ => null,
        };
    }

    /// <returns>The moderator who decides, or null with why not.</returns>
    public static (string? Moderator, string? Refusal) Authenticate(TransportConfig snapshot, IEnumerable<string> moderators, string? authenticatedAs, string? fromAddress, AgentTags tags)
    {
        var list = moderators.ToList();
        if (authenticatedAs is not null)
        {
            var mailbox = snapshot.FindRecipient(authenticatedAs);
            var moderator = list.FirstOrDefault(m => string.Equals(m, authenticatedAs, StringComparison.OrdinalIgnoreCase)
                || (mailbox is not null && snapshot.FindRecipient(m)?.Id == mailbox.Id));
            return moderator is not null ? (moderator, null) : (null, $"{authenticatedAs} signed in, but is not a moderator of the held message");
        }
        if (fromAddress is null)
            return (null, "the reply has no From address");
        var named = list.FirstOrDefault(m => string.Equals(m, fromAddress, StringComparison.OrdinalIgnoreCase));
        if (named is null)
            return (null, $"{fromAddress} is not a moderator of the held message");
        var fromDomain = fromAddress[(fromAddress.LastIndexOf('@') + 1)..];
        var dmarcPass = string.Equals(tags.Get(MessageTagNames.DmarcResult), "pass", StringComparison.OrdinalIgnoreCase)
            && string.Equals(tags.Get(MessageTagNames.DmarcFromDomain), fromDomain, StringComparison.OrdinalIgnoreCase);
        return dmarcPass ? (named, null)
            : (null, $"the reply claims to come from {fromAddress}, but it was not submitted by that mailbox and DMARC did not pass for {fromDomain} (forged or unauthenticated)");
    }
}
