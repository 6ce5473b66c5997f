using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MimeKit;

namespace Mailflow.Server.Transport.Agents.Moderation;

/// <summary>
/// How an approval request names the held message so that a moderator's reply can name it back: a random
/// token (not the queue id, which appears in traces and NDRs) in the request's Message-ID — mail programs
/// copy it into the reply's In-Reply-To and References — in a subject marker <c>[moderation TOKEN]</c>, and
/// in the <see cref="TokenHeader"/> header.
/// </summary>
public static partial class ModerationReplyMarkers
{
    public const string TokenHeader = "X-Mailflow-Moderation-Token";

    /// <summary>96 random bits, hex.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static string SubjectMarker(string token) => $"[moderation {token}]";

    public static string MessageId(string token, string domain) => $"moderation.{token}@{domain}";

    /// <summary>The token a reply names: In-Reply-To, then References, then the subject marker; null when none.</summary>
    public static string? FindToken(MimeMessage reply)
    {
        foreach (var id in new[] { reply.InReplyTo }.Concat(reply.References))
            if (id is not null && MessageIdToken().Match(id) is { Success: true } match)
                return match.Groups[1].Value.ToLowerInvariant();
        return SubjectToken().Match(reply.Subject ?? "") is { Success: true } subject ? subject.Groups[1].Value.ToLowerInvariant() : null;
    }

    [GeneratedRegex(@"^<?moderation\.([0-9a-fA-F]{24})@", RegexOptions.CultureInvariant)]
    private static partial Regex MessageIdToken();

    [GeneratedRegex(@"\[moderation ([0-9a-fA-F]{24})\]", RegexOptions.CultureInvariant)]
    private static partial Regex SubjectToken();
}
