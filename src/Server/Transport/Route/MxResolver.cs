using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Server.Transport.Route;

/// <summary>
/// Finds the hosts that receive mail for a domain, with DnsClient, against the servers configured in
/// <see cref="DnsOptions"/> (or the system's resolvers).
///
/// Implementation summary (RFC 5321 §5.1, RFC 7505):
/// <list type="bullet">
/// <item>MX records are tried by preference, lowest first; hosts of equal preference are shuffled so load
/// spreads across them. Each MX host's A and AAAA records give its addresses; a host without any is
/// skipped.</item>
/// <item>No MX records (the domain exists, NOERROR with no answer): the domain itself is the only host,
/// preference 0, with its A/AAAA addresses (the "implicit MX"). MX records that exist but none of whose
/// hosts has an address do not fall back to the domain's own addresses.</item>
/// <item>A null MX — a single MX record "." with preference 0 — means the domain accepts no mail:
/// permanent failure 5.1.10. A "." mixed with real MX records is ignored.</item>
/// <item>NXDOMAIN: permanent failure 5.1.2 (the domain doesn't exist). No usable host: permanent 5.4.4.</item>
/// <item>SERVFAIL, REFUSED, timeouts and network errors: temporary failure 4.4.3, retried later. An error
/// looking up one MX host's addresses only fails the lookup when no other host has an address.</item>
/// <item>Address literals (<c>[192.0.2.1]</c>, <c>[IPv6:2001:db8::1]</c>, RFC 5321 §4.1.3) need no DNS.</item>
/// </list>
/// </summary>
public sealed class MxResolver
{
    private readonly ILookupClient lookup;
    private readonly Random random;
    private readonly ILogger logger;

    public MxResolver(DnsOptions options, ILogger<MxResolver>? logger = null, Random? random = null)
        : this(CreateClient(options), logger, random)
    {
    }

    public MxResolver(ILookupClient lookup, ILogger<MxResolver>? logger = null, Random? random = null)
    {
        this.lookup = lookup;
        this.random = random ?? Random.Shared;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <param name="useCache">False for diagnostics that must see a record an admin just fixed (domain health's "Check now").</param>
    /// <exception cref="FormatException">A configured server is not an IP address with an optional port.</exception>
    /// <param name="requestDnsSec">Set the DO bit (RFC 3225), so a validating resolver says whether the answer is DNSSEC-secure (the AD bit): DANE's TLSA lookups.</param>
    public static LookupClient CreateClient(DnsOptions options, bool useCache = true, bool requestDnsSec = false)
    {
        var servers = options.ParseServers();
        var clientOptions = servers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions([.. servers]);
        clientOptions.Timeout = TimeSpan.FromMilliseconds(Math.Max(1, options.TimeoutMilliseconds));
        clientOptions.Retries = Math.Max(0, options.Retries);
        // Ask the servers in the configured order; a SERVFAIL from one moves on to the next.
        clientOptions.UseRandomNameServer = false;
        clientOptions.ContinueOnDnsError = true;
        // "No MX records" is an answer (implicit MX), not a reason to ask another server.
        clientOptions.ContinueOnEmptyResponse = false;
        clientOptions.ThrowDnsErrors = false;
        // Answers are cached for their TTL and never served past it (DnsClient honours the record TTLs).
        clientOptions.UseCache = useCache;
        clientOptions.UseTcpFallback = true;
        clientOptions.RequestDnsSecRecords = requestDnsSec;
        return new LookupClient(clientOptions);
    }

    public async Task<MxResolution> ResolveAsync(string domain, CancellationToken cancellationToken = default)
    {
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (TryAddressLiteral(domain, out var literal))
            return new MxResolution(domain, MxResolutionStatus.Resolved, [new MxHost(domain, 0, [literal])]);
        if (domain.Length == 0)
            return MxResolution.Permanent(domain, "5.1.2", "The recipient address has no domain.");

        var mx = await QueryAsync(domain, QueryType.MX, cancellationToken);
        if (mx.Failure is { } failure)
            return Fail(domain, MxResolution.Temporary(domain, $"Looking up the mail servers of {domain} failed: {failure.Reason}; trying again later."));
        if (mx.Response!.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return Fail(domain, MxResolution.Permanent(domain, "5.1.2", $"The domain {domain} doesn't exist. Check the spelling of the address."));
        if (mx.Response.HasError)
            return Fail(domain, MxResolution.Temporary(domain, $"The DNS server could not answer for {domain} ({mx.Response.Header.ResponseCode}); trying again later."));

        var records = mx.Response.Answers.MxRecords().ToList();
        if (records.Count == 0)
            return await ImplicitMxAsync(domain, cancellationToken);
        var real = records.Where(r => !IsRoot(r.Exchange)).ToList();
        if (real.Count == 0)
        {
            // RFC 7505 §3: a single MX of preference 0 with the root as exchange says "no mail here".
            return Fail(domain, MxResolution.Permanent(domain, "5.1.10",
                $"The domain {domain} says it doesn't accept email (null MX, RFC 7505). Check the address with the recipient."));
        }

        var hosts = real
            .Select(r => (Name: r.Exchange.Value.TrimEnd('.').ToLowerInvariant(), Preference: (int)r.Preference))
            .DistinctBy(h => h.Name)
            .ToList();
        var lookups = await Task.WhenAll(hosts.Select(h => AddressesAsync(h.Name, cancellationToken)));
        var usable = new List<MxHost>();
        var temporary = new List<string>();
        for (var i = 0; i < hosts.Count; i++)
        {
            if (!lookups[i].Addresses.IsEmpty)
                usable.Add(new MxHost(hosts[i].Name, hosts[i].Preference, lookups[i].Addresses));
            else if (lookups[i].TemporaryProblem is { } problem)
                temporary.Add(problem);
        }
        if (usable.Count > 0)
            return new MxResolution(domain, MxResolutionStatus.Resolved, Order(usable));
        if (temporary.Count > 0)
            return Fail(domain, MxResolution.Temporary(domain, $"The mail servers of {domain} could not be looked up ({temporary[0]}); trying again later."));
        return Fail(domain, MxResolution.Permanent(domain, "5.4.4",
            $"The mail servers of {domain} ({string.Join(", ", hosts.Select(h => h.Name))}) have no IP addresses, so mail can't be delivered there."));
    }

    private async Task<MxResolution> ImplicitMxAsync(string domain, CancellationToken cancellationToken)
    {
        var own = await AddressesAsync(domain, cancellationToken);
        if (!own.Addresses.IsEmpty)
            return new MxResolution(domain, MxResolutionStatus.Resolved, [new MxHost(domain, 0, own.Addresses, Implicit: true)]);
        if (own.TemporaryProblem is { } problem)
            return Fail(domain, MxResolution.Temporary(domain, $"The addresses of {domain} could not be looked up ({problem}); trying again later."));
        return Fail(domain, MxResolution.Permanent(domain, "5.4.4", $"The domain {domain} has no mail server (no MX record) and no IP address, so mail can't be delivered there."));
    }

    /// <summary>The host's IPv4 then IPv6 addresses; a temporary problem only when neither lookup gave an address.</summary>
    private async Task<(ImmutableArray<IPAddress> Addresses, string? TemporaryProblem)> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        var a = QueryAsync(host, QueryType.A, cancellationToken);
        var aaaa = QueryAsync(host, QueryType.AAAA, cancellationToken);
        var results = await Task.WhenAll(a, aaaa);
        var addresses = ImmutableArray.CreateBuilder<IPAddress>();
        string? problem = null;
        foreach (var result in results)
        {
            if (result.Failure is { } failure)
            {
                problem ??= failure.Reason;
                continue;
            }
            var response = result.Response!;
            if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
                problem ??= $"{response.Header.ResponseCode} for {host}";
            addresses.AddRange(response.Answers.ARecords().Select(r => r.Address));
            addresses.AddRange(response.Answers.AaaaRecords().Select(r => r.Address));
        }
        return (addresses.ToImmutable(), addresses.Count == 0 ? problem : null);
    }

    private async Task<(IDnsQueryResponse? Response, MxResolution? Failure)> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        DnsMetrics.Lookup(type, DnsMetrics.Route);
        try
        {
            var response = await lookup.QueryAsync(name, type, QueryClass.IN, cancellationToken);
            if (DnsMetrics.IsFailure(response))
                DnsMetrics.Failure(type, DnsMetrics.Route);
            return (response, null);
        }
        catch (DnsResponseException ex)
        {
            DnsMetrics.Failure(type, DnsMetrics.Route);
            // Timeouts and transport errors: DnsClient reports them as DnsResponseException (ConnectionTimeout, ...).
            RouteLog.DnsLookupFailed(logger, type.ToString(), name, ex.Code.ToString());
            var reason = ex.Code == DnsResponseCode.ConnectionTimeout ? $"no DNS server answered for {name} in time" : $"{ex.Code} for {name}";
            return (null, MxResolution.Temporary(name, reason));
        }
        catch (SocketException ex)
        {
            DnsMetrics.Failure(type, DnsMetrics.Route);
            RouteLog.DnsLookupFailed(logger, type.ToString(), name, ex.SocketErrorCode.ToString());
            return (null, MxResolution.Temporary(name, $"the DNS server could not be reached ({ex.SocketErrorCode})"));
        }
    }

    private MxResolution Fail(string domain, MxResolution failure)
    {
        if (failure.Status == MxResolutionStatus.PermanentFailure)
            RouteLog.DomainUndeliverable(logger, domain, failure.EnhancedStatusCode!, failure.Reason!);
        return failure with { Domain = domain };
    }

    /// <summary>By preference; equal preferences in random order (RFC 5321 §5.1: "SHOULD ... pick one at random").</summary>
    private ImmutableArray<MxHost> Order(List<MxHost> hosts) =>
        [.. hosts.GroupBy(h => h.Preference).OrderBy(g => g.Key).SelectMany(g => g.OrderBy(_ => random.Next()))];

    private static bool IsRoot(DnsString exchange) => exchange.Value is "." or "";

    private static bool TryAddressLiteral(string domain, out IPAddress address)
    {
        address = IPAddress.None;
        if (domain.Length < 3 || domain[0] != '[' || domain[^1] != ']')
            return false;
        var inner = domain[1..^1];
        if (inner.StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase))
            inner = inner[5..];
        return IPAddress.TryParse(inner, out address!);
    }
}
