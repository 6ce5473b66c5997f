using System.Diagnostics.Metrics;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// The delivery stage's instruments (see <see cref="MailflowMeter"/>). The <c>next_hop</c> tag is the
/// next hop's name for people (<see cref="Mailflow.Queue.NextHopDisplay"/>: the send connector's name,
/// "Local mailboxes", "LMTP host:24", …), the same as the queue gauges' <c>queue</c> tag; never a key with
/// a GUID or a destination domain, so all MX domains of one send connector count together.
/// </summary>
public static class DeliveryMetrics
{
    public static readonly Counter<long> Deliveries = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.delivery.recipients", "{recipient}", "Recipient delivery attempts, by outcome (delivered, deferred, failed, expired) and next hop.");

    public static readonly Counter<long> Retries = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.delivery.retries", "{recipient}", "Recipients scheduled for another attempt after a temporary failure, by next hop.");

    public static readonly Counter<long> BytesSent = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.delivery.sent", "By", "Message bytes handed to a next hop (once per message and next hop with at least one recipient delivered).");

    public static readonly Histogram<double> Latency = MailflowMeter.Meter.CreateHistogram<double>(
        "mailflow.delivery.latency", "s", "From acceptance to delivery, per delivered recipient, by next hop.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400] });

    public static class Outcome
    {
        public const string Delivered = "delivered";
        public const string Deferred = "deferred";
        public const string Failed = "failed";
        public const string Expired = "expired";
    }

    public static void Recipient(string outcome, string nextHop) =>
        Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("next_hop", nextHop));

    /// <summary>One next hop's attempt for a message: each recipient's outcome, latency of the delivered, retries of the deferred, bytes once.</summary>
    public static void Attempted(string nextHop, IEnumerable<RecipientOutcome> outcomes, TimeSpan sinceAccepted, long messageBytes)
    {
        var hop = new KeyValuePair<string, object?>("next_hop", nextHop);
        var anyDelivered = false;
        foreach (var outcome in outcomes)
        {
            switch (outcome.Kind)
            {
                case RecipientOutcomeKind.Delivered:
                    anyDelivered = true;
                    Recipient(Outcome.Delivered, nextHop);
                    Latency.Record(Math.Max(0, sinceAccepted.TotalSeconds), hop);
                    break;
                case RecipientOutcomeKind.Permanent:
                    Recipient(Outcome.Failed, nextHop);
                    break;
                default:
                    Recipient(Outcome.Deferred, nextHop);
                    Retries.Add(1, hop);
                    break;
            }
        }
        if (anyDelivered)
            BytesSent.Add(messageBytes, hop);
    }
}
