using System.Diagnostics.Metrics;
using DnsClient;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Route;

/// <summary>
/// DNS instruments (see <see cref="MailflowMeter"/>), counted where the node's one DNS client is asked:
/// routing (MX, A, AAAA) and sender authentication (TXT, A, AAAA, MX, PTR). A failure is a
/// lookup with no answer (timeout, server failure, unreachable server); "no such name" is an answer.
/// </summary>
public static class DnsMetrics
{
    public static readonly Counter<long> Lookups = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.dns.lookups", "{lookup}", "DNS queries, by record type and purpose (route, authentication).");

    public static readonly Counter<long> Failures = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.dns.failures", "{lookup}", "DNS queries that got no usable answer (timeout, SERVFAIL, server unreachable), by record type and purpose.");

    public const string Route = "route";
    public const string Authentication = "authentication";

    public static void Lookup(QueryType type, string purpose) =>
        Lookups.Add(1, new KeyValuePair<string, object?>("type", Enum.GetName(type)), new KeyValuePair<string, object?>("purpose", purpose));

    /// <summary>An answer that is no answer: SERVFAIL, REFUSED and the like (NXDOMAIN is an answer).</summary>
    public static bool IsFailure(IDnsQueryResponse response) =>
        response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain;

    public static void Failure(QueryType type, string purpose) =>
        Failures.Add(1, new KeyValuePair<string, object?>("type", Enum.GetName(type)), new KeyValuePair<string, object?>("purpose", purpose));
}
