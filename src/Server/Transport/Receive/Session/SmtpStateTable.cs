using System.Collections.Frozen;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// The one declarative table of which commands each state accepts (SmtpServer's state table).
/// Everything not listed is answered <c>503 5.5.1</c>, with the expected commands named from this
/// same table. RFC 5321 §4.1.4 (ordering), RFC 3207 §4 (STARTTLS outside a transaction),
/// RFC 4954 §4 (AUTH outside a transaction), RFC 3030 §2 (between chunks only BDAT/RSET/QUIT).
/// </summary>
public static class SmtpStateTable
{
    private static readonly SmtpVerb[] Always = [SmtpVerb.Rset, SmtpVerb.Noop, SmtpVerb.Quit, SmtpVerb.Help, SmtpVerb.Vrfy];

    private static readonly FrozenDictionary<SessionState, FrozenSet<SmtpVerb>> Allowed = new Dictionary<SessionState, FrozenSet<SmtpVerb>>
    {
        [SessionState.Connected] = Set(SmtpVerb.Ehlo, SmtpVerb.Helo, SmtpVerb.StartTls),
        [SessionState.Ready] = Set(SmtpVerb.Ehlo, SmtpVerb.Helo, SmtpVerb.Mail, SmtpVerb.StartTls, SmtpVerb.Auth),
        [SessionState.MailGiven] = Set(SmtpVerb.Ehlo, SmtpVerb.Helo, SmtpVerb.Rcpt, SmtpVerb.Data, SmtpVerb.Bdat),
        [SessionState.RcptGiven] = Set(SmtpVerb.Ehlo, SmtpVerb.Helo, SmtpVerb.Rcpt, SmtpVerb.Data, SmtpVerb.Bdat),
        [SessionState.BdatInProgress] = FrozenSet.ToFrozenSet([SmtpVerb.Bdat, SmtpVerb.Rset, SmtpVerb.Noop, SmtpVerb.Quit]),
        [SessionState.Closed] = FrozenSet<SmtpVerb>.Empty,
    }.ToFrozenDictionary();

    public static bool IsAllowed(SessionState state, SmtpVerb verb) => Allowed[state].Contains(verb);

    /// <summary>The 503 for <paramref name="verb"/> in <paramref name="state"/>, naming what would be accepted.</summary>
    public static SmtpReply Reject(SessionState state, SmtpVerb verb)
    {
        var expected = Allowed[state].Where(v => !Always.Contains(v)).Select(Name).Order(StringComparer.Ordinal);
        return SmtpReplies.BadSequence.WithText($"Bad sequence of commands: {Name(verb)} not allowed now, expected {string.Join(" or ", expected)}");
    }

    private static string Name(SmtpVerb verb) => verb.ToString().ToUpperInvariant();

    private static FrozenSet<SmtpVerb> Set(params SmtpVerb[] verbs) => verbs.Concat(Always).ToFrozenSet();
}
