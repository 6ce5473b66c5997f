using System.Diagnostics.Metrics;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Agents.ConnectionFiltering;

/// <summary>
/// DNS block list instruments (see <see cref="MailflowMeter"/>): one count and one duration per zone asked
/// about a client, "Test mail flow" excluded. The <c>zone</c> tag is the admin-configured zone name (a handful
/// per organization), never the client address or the query name.
/// </summary>
public static class DnsBlockListMetrics
{
    public static readonly Counter<long> Lookups = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.dnsbl.lookups", "{lookup}", "DNS block list lookups, by zone and outcome (listed, not_listed, error, timeout).");

    public static readonly Histogram<double> Duration = MailflowMeter.Meter.CreateHistogram<double>(
        "mailflow.dnsbl.lookup.duration", "s", "Time one DNS block list zone took to answer (the listing's A query and, when listed, its TXT reason), by zone.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public static class Outcome
    {
        /// <summary>The zone answered with a return code that counts.</summary>
        public const string Listed = "listed";
        /// <summary>NXDOMAIN, or only answers the zone's return codes do not count.</summary>
        public const string NotListed = "not_listed";
        /// <summary>SERVFAIL, REFUSED, an unreachable server.</summary>
        public const string Error = "error";
        /// <summary>No answer within the DNS client's timeout.</summary>
        public const string Timeout = "timeout";
    }

    public static void Lookup(string zone, string outcome, TimeSpan elapsed)
    {
        var zoneTag = new KeyValuePair<string, object?>("zone", zone);
        Lookups.Add(1, zoneTag, new KeyValuePair<string, object?>("outcome", outcome));
        Duration.Record(elapsed.TotalSeconds, zoneTag);
    }
}
