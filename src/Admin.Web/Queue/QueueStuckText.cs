using System.Globalization;
using Mailflow.Admin.Web.Time;
using Mailflow.Queue;

namespace Mailflow.Admin.Web.Queue;

/// <summary>
/// The queue list's "why is it stuck" line: the last error in plain words, how long the queue has been
/// waiting, how many attempts, and when the next one is — or null for a queue that is simply busy.
/// </summary>
public static class QueueStuckText
{
    public static string? For(NextHopQueueSummary queue, AdminClock clock)
    {
        var since = queue.OldestQueuedAt is { } oldest ? $"oldest message waiting since {clock.Format(oldest, seconds: false)}" : null;
        switch (queue.Kind)
        {
            case NextHopQueueKind.Poison:
                return Join("These messages crashed processing twice and are held: look at each message's trace, then resume or remove it", since);
            case NextHopQueueKind.Submission:
                return queue.MessageCount == 0 ? null : Join("Waiting for the categorizer (rules, recipients, routing)", since);
            case NextHopQueueKind.Unreachable:
                return Join("No route: no send connector's address space or mailbox target covers these recipients. Add or fix a send connector; the messages are routed again on the next configuration change", since);
        }
        if (queue.Status == NextHopQueueStatus.Suspended)
            return Join("Suspended by an administrator: nothing is delivered until it is resumed", since);
        if (queue.LastError is null)
            return null;
        var parts = new List<string> { $"{Explain(queue.LastError)}: {queue.LastError}" };
        if (since is not null)
            parts.Add(since);
        if (queue.LastErrorAttempts > 0)
            parts.Add(queue.LastErrorAttempts == 1 ? "1 attempt" : string.Create(CultureInfo.InvariantCulture, $"{queue.LastErrorAttempts} attempts"));
        if (queue.NextRetryAt is { } next)
            parts.Add("next retry " + clock.Format(next, seconds: false));
        return string.Join("; ", parts) + ".";
    }

    /// <summary>What a failure reply means, in words (RFC 5321 §4.2 reply codes, RFC 3463 enhanced status codes).</summary>
    public static string Explain(string reply)
    {
        var code = reply.Length >= 3 && int.TryParse(reply.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 0;
        var enhanced = reply.Length > 4 ? reply[4..].Split(' ', 2)[0] : "";
        if (enhanced.StartsWith("4.4.", StringComparison.Ordinal) || enhanced.StartsWith("5.4.", StringComparison.Ordinal))
            return code >= 500 ? "The next hop cannot be reached (network or routing)" : "The next hop could not be reached (connection or DNS trouble)";
        if (enhanced.StartsWith("4.7.", StringComparison.Ordinal))
            return "The remote server refuses for now for policy reasons (greylisting, rate limits, TLS)";
        if (enhanced.StartsWith("5.7.", StringComparison.Ordinal))
            return "The remote server refuses for policy reasons (relay denied, authentication, sender blocked)";
        if (enhanced.StartsWith("5.1.", StringComparison.Ordinal))
            return "The remote server says the address does not exist";
        return code switch
        {
            421 => "The remote server is not available right now",
            450 or 451 => "The remote server failed temporarily",
            452 => "The remote server is out of storage",
            >= 500 => "The remote server refused for good",
            >= 400 => "Temporary failure",
            _ => "Failure",
        };
    }

    private static string Join(string text, string? since) => since is null ? text + "." : $"{text}; {since}.";
}
