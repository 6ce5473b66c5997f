namespace Mailflow.Tracking;

/// <summary>What became of one recipient, as an admin asks it ("was it delivered?"), not the last step recorded.</summary>
public enum TraceOutcome
{
    /// <summary>Not final yet: waiting for routing, delivery or a retry.</summary>
    Pending,
    /// <summary>Delivered locally, or accepted by the next hop (relayed).</summary>
    Delivered,
    /// <summary>Given up: a permanent failure, expiry or a refusal by a rule; an NDR follows unless NOTIFY=NEVER.</summary>
    Failed,
    /// <summary>A distribution group: expanded to its members, who have outcomes of their own.</summary>
    Expanded,
    /// <summary>An alias, forward or contact: replaced by another address, which has the outcome.</summary>
    Redirected,
    /// <summary>Held by a mail flow rule until an administrator releases it.</summary>
    Quarantined,
    /// <summary>Removed from the queue by an administrator.</summary>
    Removed,
}

/// <param name="Address">The recipient.</param>
/// <param name="At">When the outcome was decided (the event that set it).</param>
/// <param name="NextHop">The next hop key it was routed to, if routed.</param>
/// <param name="Reply">The reply that decided it (the remote server's, or our own reason).</param>
public sealed record RecipientTrace(string Address, TraceOutcome Outcome, DateTimeOffset At, string? NextHop, string? RemoteHost, string? Reply);

/// <summary>One traced message: its identity, every tracking event recorded for it in time order, and the outcome per recipient.</summary>
public sealed record TracedMessage(string Key, string? QueueId, string? InternetMessageId, string Sender, string? Subject, IReadOnlyList<MessageTrackingEvent> Events)
{
    /// <summary>The newest event's kind: what happened to the message last.</summary>
    public MessageTrackingEventKind LastKind => Events[^1].Kind;
    public DateTimeOffset FirstSeen => Events[0].Time;

    /// <summary>Each recipient's outcome, in the order the recipients first appear (envelope recipients first).</summary>
    public IReadOnlyList<RecipientTrace> Recipients => _recipients ??= TraceOutcomes.Of(Events);
    private IReadOnlyList<RecipientTrace>? _recipients;

    /// <summary>How many recipients have each outcome, most important first (Failed, Pending, Quarantined, Delivered, …).</summary>
    public IReadOnlyList<(TraceOutcome Outcome, int Count)> OutcomeCounts =>
        Recipients.GroupBy(r => r.Outcome).OrderBy(g => TraceOutcomes.Rank(g.Key)).Select(g => (g.Key, g.Count())).ToList();
}

/// <summary>Derives each recipient's outcome from a message's tracking events (the one place that decides it: the trace page, the API and the CSV export).</summary>
public static class TraceOutcomes
{
    public static int Rank(TraceOutcome outcome) => outcome switch
    {
        TraceOutcome.Failed => 0,
        TraceOutcome.Pending => 1,
        TraceOutcome.Quarantined => 2,
        TraceOutcome.Removed => 3,
        TraceOutcome.Delivered => 4,
        TraceOutcome.Expanded => 5,
        _ => 6,
    };

    public static IReadOnlyList<RecipientTrace> Of(IReadOnlyList<MessageTrackingEvent> events)
    {
        var ordered = events.OrderBy(e => e.Time).ThenBy(e => e.Id).ToList();
        var traces = new Dictionary<string, RecipientTrace>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();

        void Set(string address, TraceOutcome outcome, MessageTrackingEvent e, bool keepHop = true)
        {
            address = address.Trim();
            if (address.Length == 0)
                return;
            if (!traces.TryGetValue(address, out var current))
                order.Add(address);
            traces[address] = new RecipientTrace(address, outcome, e.Time,
                e.NextHop ?? (keepHop ? current?.NextHop : null), e.RemoteHost ?? current?.RemoteHost, Reply(e) ?? current?.Reply);
        }

        foreach (var e in ordered)
        {
            var addresses = Addresses(e);
            switch (e.Kind)
            {
                case MessageTrackingEventKind.Receive:
                    foreach (var a in addresses)
                        if (!traces.ContainsKey(a))
                            traces[a] = new RecipientTrace(a, TraceOutcome.Pending, e.Time, null, null, null);
                    order.AddRange(addresses.Where(a => !order.Contains(a, StringComparer.OrdinalIgnoreCase)));
                    break;
                case MessageTrackingEventKind.Resolve or MessageTrackingEventKind.Expand or MessageTrackingEventKind.Redirect:
                    // The event names the new address; its detail names the one it came from ("the group sales@… includes bob@…").
                    foreach (var from in order.ToList().Where(a => e.Detail?.Contains(a, StringComparison.OrdinalIgnoreCase) == true && !addresses.Contains(a, StringComparer.OrdinalIgnoreCase)))
                        if (traces[from].Outcome == TraceOutcome.Pending)
                            traces[from] = traces[from] with { Outcome = e.Kind == MessageTrackingEventKind.Expand ? TraceOutcome.Expanded : TraceOutcome.Redirected, At = e.Time };
                    foreach (var a in addresses)
                        Set(a, TraceOutcome.Pending, e);
                    break;
                case MessageTrackingEventKind.Route or MessageTrackingEventKind.Defer:
                    foreach (var a in addresses)
                        Set(a, TraceOutcome.Pending, e);
                    break;
                case MessageTrackingEventKind.Send or MessageTrackingEventKind.Deliver:
                    foreach (var a in addresses)
                        Set(a, TraceOutcome.Delivered, e);
                    break;
                case MessageTrackingEventKind.Fail or MessageTrackingEventKind.Expire:
                    foreach (var a in addresses)
                        Set(a, TraceOutcome.Failed, e);
                    break;
                case MessageTrackingEventKind.Quarantine:
                    foreach (var a in OpenOf(addresses, order, traces))
                        traces[a] = traces[a] with { Outcome = TraceOutcome.Quarantined, At = e.Time, Reply = e.Detail };
                    break;
                case MessageTrackingEventKind.Release:
                    foreach (var a in order.Where(a => traces[a].Outcome == TraceOutcome.Quarantined).ToList())
                        traces[a] = traces[a] with { Outcome = TraceOutcome.Pending, At = e.Time };
                    break;
                case MessageTrackingEventKind.Remove:
                    foreach (var a in OpenOf(addresses, order, traces))
                        traces[a] = traces[a] with { Outcome = TraceOutcome.Removed, At = e.Time, Reply = e.Detail };
                    break;
            }
        }
        return order.Distinct(StringComparer.OrdinalIgnoreCase).Select(a => traces[a]).ToList();
    }

    /// <summary>A message-level event's recipients that are not final yet (all of them when the event names none).</summary>
    private static List<string> OpenOf(IReadOnlyList<string> named, List<string> order, Dictionary<string, RecipientTrace> traces) =>
        (named.Count == 0 ? order : named.Where(traces.ContainsKey).ToList())
            .Where(a => traces[a].Outcome is TraceOutcome.Pending or TraceOutcome.Quarantined).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    private static IReadOnlyList<string> Addresses(MessageTrackingEvent e) =>
        e.Recipients.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? Reply(MessageTrackingEvent e) => e.Reply is null ? null
        : e.ReplyCode is { } code && !e.Reply.StartsWith(code.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) ? $"{code} {e.Reply}" : e.Reply;
}
