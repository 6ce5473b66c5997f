using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Agents.ConnectionFiltering;

/// <summary>One zone that lists the client: the answer that counted, its weight and the zone's reason (TXT).</summary>
public sealed record DnsBlockListHit(string Zone, IPAddress Code, int Weight, string? Reason);

/// <summary>All zones asked about one client: the hits, the zones that gave no usable answer, the total weight.</summary>
public sealed record DnsBlockListResult(IReadOnlyList<DnsBlockListHit> Hits, IReadOnlyList<string> Unanswered, int Score, int Threshold)
{
    public bool Listed => Hits.Count > 0 && Score >= Threshold;

    /// <summary>"listed by zen.example (127.0.0.2, weight 1: reason); score 1 of threshold 1; no answer from x".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Hits.Count > 0)
            parts.Add("listed by " + string.Join(", ", Hits.Select(h => $"{h.Zone} ({h.Code}, weight {h.Weight}{(h.Reason is { } r ? ": " + ConnectionFilterReplies.SafeReason(r) : "")})")));
        parts.Add($"score {Score} of threshold {Threshold}");
        if (Unanswered.Count > 0)
            parts.Add("no answer from " + string.Join(", ", Unanswered) + " (not counted)");
        return string.Join("; ", parts);
    }
}

/// <summary>
/// Asks the configured DNS block lists about one client address (RFC 5782): an A query for the
/// reversed address under each zone (nibbles for IPv6, §2.4), the answers filtered by the zone's
/// return codes and weighed, and for a zone that counts, its TXT record as the reason. All zones are
/// asked at once through the node's one DNS client, which caches every answer for its TTL. A zone that
/// fails (timeout, SERVFAIL, refused) simply does not count: DNS trouble never blocks mail. Each zone's
/// outcome and time are counted in <see cref="DnsBlockListMetrics"/> unless the caller says not to ("Test mail flow").
/// </summary>
public sealed class DnsBlockListLookup(ILookupClient dns)
{
    public async Task<DnsBlockListResult> CheckAsync(IPAddress client, ConnectionFilterSettings settings, bool countInMetrics, CancellationToken cancellationToken)
    {
        if (client.IsIPv4MappedToIPv6)
            client = client.MapToIPv4();
        var zones = settings.Zones.Where(z => z.Enabled && z.Zone.Length > 0).ToList();
        var answers = await Task.WhenAll(zones.Select(z => AskAndCountAsync(client, z, countInMetrics, cancellationToken)));
        var hits = answers.Where(a => a.Hit is not null).Select(a => a.Hit!).ToList();
        var unanswered = answers.Where(a => a.Failed).Select(a => a.Zone).ToList();
        return new DnsBlockListResult(hits, unanswered, hits.Sum(h => h.Weight), settings.Threshold);
    }

    private async Task<ZoneAnswer> AskAndCountAsync(IPAddress client, DnsBlockList zone, bool countInMetrics, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var answer = await AskAsync(client, zone, cancellationToken);
        if (countInMetrics)
            DnsBlockListMetrics.Lookup(zone.Zone, answer.Outcome, Stopwatch.GetElapsedTime(started));
        return answer;
    }

    /// <summary>One zone's answer: the hit if it lists the client, and the outcome as the metrics name it.</summary>
    private sealed record ZoneAnswer(string Zone, DnsBlockListHit? Hit, string Outcome)
    {
        public bool Failed => Outcome is DnsBlockListMetrics.Outcome.Error or DnsBlockListMetrics.Outcome.Timeout;
    }

    private async Task<ZoneAnswer> AskAsync(IPAddress client, DnsBlockList zone, CancellationToken cancellationToken)
    {
        var name = QueryName(client, zone.Zone);
        try
        {
            var response = await dns.QueryAsync(name, QueryType.A, QueryClass.IN, cancellationToken);
            if (response.HasError)
                return new ZoneAnswer(zone.Zone, null, response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
                    ? DnsBlockListMetrics.Outcome.NotListed : DnsBlockListMetrics.Outcome.Error);
            var code = response.Answers.ARecords().Select(a => a.Address).FirstOrDefault(a => Counts(a, zone.ReturnCodes));
            if (code is null)
                return new ZoneAnswer(zone.Zone, null, DnsBlockListMetrics.Outcome.NotListed);
            var hit = new DnsBlockListHit(zone.Zone, code, zone.Weight, await ReasonAsync(name, cancellationToken));
            return new ZoneAnswer(zone.Zone, hit, DnsBlockListMetrics.Outcome.Listed);
        }
        catch (Exception exception) when (exception is DnsResponseException or SocketException or TimeoutException
                                          || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var timedOut = exception is TimeoutException or OperationCanceledException
                           || exception is DnsResponseException { Code: DnsResponseCode.ConnectionTimeout };
            return new ZoneAnswer(zone.Zone, null, timedOut ? DnsBlockListMetrics.Outcome.Timeout : DnsBlockListMetrics.Outcome.Error);
        }
    }

    /// <summary>The zone's TXT record for the listing, joined; null when it has none or it cannot be read.</summary>
    private async Task<string?> ReasonAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await dns.QueryAsync(name, QueryType.TXT, QueryClass.IN, cancellationToken);
            var text = response.Answers.TxtRecords().Select(t => string.Concat(t.Text)).FirstOrDefault();
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }
        catch (Exception exception) when (exception is DnsResponseException or SocketException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether an answer counts. With no codes configured, any 127.0.0.0/8 answer does (RFC 5782 §2.1)
    /// except 127.255.255.0/24, which Spamhaus and others use to say "query refused", not "listed".
    /// </summary>
    public static bool Counts(IPAddress answer, IReadOnlyList<string> returnCodes)
    {
        if (answer.AddressFamily != AddressFamily.InterNetwork)
            return false;
        var value = DnsBlockListCodes.ToNumber(answer);
        if (returnCodes.Count == 0)
            return value >> 24 == 127 && value >> 8 != 0x7FFFFF;
        foreach (var code in returnCodes)
            if (DnsBlockListCodes.TryParse(code, out var range) && value >= range.First && value <= range.Last)
                return true;
        return false;
    }

    /// <summary><c>9.113.0.203.zone</c> for 203.0.113.9; 32 reversed nibbles for IPv6 (RFC 5782 §2.1, §2.4).</summary>
    public static string QueryName(IPAddress client, string zone)
    {
        var bytes = client.GetAddressBytes();
        var builder = new StringBuilder();
        if (client.AddressFamily == AddressFamily.InterNetworkV6)
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
                builder.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }
        else
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
                builder.Append(bytes[i]).Append('.');
        }
        return builder.Append(zone.TrimEnd('.')).ToString();
    }
}
