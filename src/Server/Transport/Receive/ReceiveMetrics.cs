using System.Diagnostics.Metrics;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Receive;

/// <summary>The receive stage's instruments (see <see cref="MailflowMeter"/>). Tags: <c>connector</c> (receive connector name) and a word for the outcome.</summary>
public static class ReceiveMetrics
{
    public static readonly Counter<long> Sessions = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.smtp.sessions", "{session}", "SMTP sessions ended, by receive connector and outcome (quit, disconnected, timeout, refused, closed, error, shutdown); connections refused at the connection limit count as refused.");

    public static readonly Counter<long> Transactions = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.smtp.transactions", "{transaction}", "Mail transactions that reached end of data, by receive connector and outcome (accepted, rejected, tempfailed, discarded).");

    public static readonly Counter<long> Replies = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.smtp.replies", "{reply}", "Replies sent to SMTP clients, by receive connector and code class (2xx, 3xx, 4xx, 5xx).");

    public static readonly Counter<long> BytesReceived = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.smtp.received", "By", "Message bytes accepted (committed to the queue), by receive connector.");

    public static readonly Counter<long> AuthFailures = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.smtp.auth.failures", "{attempt}", "Failed SMTP AUTH attempts, by receive connector.");

    public static readonly Counter<long> Throttled = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.smtp.throttled", "{event}", "Clients refused or slowed by a limit, by limit (a rate limit's kind, or auth-account / auth-lockout).");

    /// <summary>The <c>connector</c> tag of a connection no receive connector admits (refused before a session).</summary>
    public const string NoConnector = "(none)";

    /// <summary>Session outcomes (the <c>outcome</c> tag of <see cref="Sessions"/>).</summary>
    public static class SessionOutcome
    {
        public const string Quit = "quit";
        public const string Disconnected = "disconnected";
        public const string Timeout = "timeout";
        public const string Refused = "refused";
        public const string Closed = "closed";
        public const string Error = "error";
        public const string Shutdown = "shutdown";
    }

    /// <summary>Transaction outcomes (the <c>outcome</c> tag of <see cref="Transactions"/>).</summary>
    public static class TransactionOutcome
    {
        public const string Accepted = "accepted";
        public const string Rejected = "rejected";
        public const string TempFailed = "tempfailed";
        public const string Discarded = "discarded";
    }

    /// <summary>The <c>limit</c> tag of <see cref="Throttled"/> for AUTH throttling; rate limits use their kind's name.</summary>
    public static class ThrottleLimit
    {
        public const string AuthAccount = "auth-account";
        public const string AuthLockout = "auth-lockout";
    }

    private static readonly string[] CodeClasses = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

    /// <summary>"2xx" for 250: a constant string, nothing allocated per reply.</summary>
    public static string CodeClass(int code) => code is >= 100 and < 600 ? CodeClasses[code / 100] : "other";

    public static void Reply(string connector, int code) =>
        Replies.Add(1, new KeyValuePair<string, object?>("connector", connector), new KeyValuePair<string, object?>("class", CodeClass(code)));

    public static void SessionEnded(string connector, string outcome) =>
        Sessions.Add(1, new KeyValuePair<string, object?>("connector", connector), new KeyValuePair<string, object?>("outcome", outcome));

    public static void TransactionEnded(string connector, string outcome) =>
        Transactions.Add(1, new KeyValuePair<string, object?>("connector", connector), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A transaction refused at end of data: rejected for a 5xx, tempfailed for a 4xx.</summary>
    public static void TransactionRefused(string connector, int code) =>
        TransactionEnded(connector, code >= 500 ? TransactionOutcome.Rejected : TransactionOutcome.TempFailed);

    public static void Accepted(string connector, long bytes) =>
        BytesReceived.Add(bytes, new KeyValuePair<string, object?>("connector", connector));

    public static void AuthFailed(string connector) =>
        AuthFailures.Add(1, new KeyValuePair<string, object?>("connector", connector));

    public static void ClientThrottled(string limit) =>
        Throttled.Add(1, new KeyValuePair<string, object?>("limit", limit));
}
