using System.Text.RegularExpressions;
using MimeKit;

namespace Mailflow.Server.Transport.Agents.Loops;

/// <summary>
/// How many hops a message has made: its Received header fields (RFC 5321 §6.3, the only loop
/// detection SMTP has), and how many of them our own host names wrote (the <c>by</c> clause, RFC 5321
/// §4.4). The one definition the end-of-data check, the categorizer's check and "Test mail flow" use.
/// </summary>
public readonly partial record struct ReceivedHops(int Total, int Local)
{
    public static ReceivedHops Count(HeaderList headers, OwnHostNames ownNames)
    {
        var total = 0;
        var local = 0;
        foreach (var header in headers)
        {
            if (header.Id != HeaderId.Received)
                continue;
            total++;
            if (ByHost(header.Value) is { } by && ownNames.Contains(by))
                local++;
        }
        return new ReceivedHops(total, local);
    }

    /// <summary>The host name of a Received field's <c>by</c> clause, or null when it has none.</summary>
    public static string? ByHost(string value)
    {
        // Comments may hold anything ("(from x by y)"): drop them first (RFC 5322 CFWS, one level is what MTAs write).
        var withoutComments = Comment().Replace(value, " ");
        var match = ByClause().Match(withoutComments);
        return match.Success ? match.Groups[1].Value.TrimEnd('.') : null;
    }

    [GeneratedRegex(@"\((?:[^()\\]|\\.)*\)")]
    private static partial Regex Comment();

    [GeneratedRegex(@"(?:^|\s)by\s+([^\s;()]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ByClause();
}
