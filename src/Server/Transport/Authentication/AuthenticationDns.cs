using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Mailflow.Server.Transport.Authentication;

/// <summary>How one DNS question ended, in the terms SPF, DKIM and DMARC reason with.</summary>
public enum DnsLookupStatus
{
    /// <summary>Records of the asked type came back.</summary>
    Found,
    /// <summary>NOERROR with no record of the asked type (NODATA): a "void" lookup for SPF.</summary>
    NoData,
    /// <summary>NXDOMAIN: the name does not exist (also void for SPF).</summary>
    NameError,
    /// <summary>SERVFAIL, REFUSED, a timeout, no server reachable: never a pass, always temperror.</summary>
    Failed,
}

/// <summary>The answer to one DNS question: its status and the records (empty unless <see cref="DnsLookupStatus.Found"/>).</summary>
public sealed record DnsLookup<T>(DnsLookupStatus Status, IReadOnlyList<T> Records, string? Error = null)
{
    public bool IsVoid => Status is DnsLookupStatus.NoData or DnsLookupStatus.NameError;
    public bool Failed => Status == DnsLookupStatus.Failed;
}

/// <summary>
/// The DNS questions sender authentication asks, over the node's one <see cref="ILookupClient"/>
/// (resolvers from <c>Mailflow:Dns:Servers</c>, answers cached per TTL, TCP on truncation). Every
/// failure to get an answer is <see cref="DnsLookupStatus.Failed"/>, which SPF, DKIM and DMARC turn
/// into temperror, never into a pass or a "none".
/// </summary>
public sealed class AuthenticationDns(ILookupClient lookup)
{
    /// <summary>TXT records of <paramref name="name"/>, each one's character-strings joined without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
    /// A resolver that answers a CNAME without the target's records is followed (a few hops at most):
    /// DKIM keys are often published through a CNAME to the sending provider.</summary>
    public async Task<DnsLookup<string>> TxtAsync(string name, CancellationToken cancellationToken)
    {
        string? alias = null;
        for (var hop = 0; ; hop++)
        {
            var lookup = await QueryAsync(name, QueryType.TXT, response =>
            {
                alias = response.Answers.CnameRecords().LastOrDefault()?.CanonicalName.Value.TrimEnd('.');
                return response.Answers.TxtRecords().Select(r => string.Concat(r.Text));
            }, cancellationToken);
            if (lookup.Status != DnsLookupStatus.NoData || alias is null || hop >= MaxAliasHops)
                return lookup;
            name = alias;
            alias = null;
        }
    }

    private const int MaxAliasHops = 4;

    /// <summary>A (IPv4) or AAAA (IPv6) addresses of <paramref name="name"/>.</summary>
    public Task<DnsLookup<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken) => ipv6
        ? QueryAsync(name, QueryType.AAAA, response => response.Answers.AaaaRecords().Select(r => r.Address), cancellationToken)
        : QueryAsync(name, QueryType.A, response => response.Answers.ARecords().Select(r => r.Address), cancellationToken);

    /// <summary>MX exchanges of <paramref name="name"/>, in preference order.</summary>
    public Task<DnsLookup<string>> MxAsync(string name, CancellationToken cancellationToken) =>
        QueryAsync(name, QueryType.MX, response => response.Answers.MxRecords().OrderBy(r => r.Preference).Select(r => r.Exchange.Value.TrimEnd('.')), cancellationToken);

    /// <summary>PTR names of <paramref name="address"/>.</summary>
    public Task<DnsLookup<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken) =>
        QueryAsync(address.GetArpaName(), QueryType.PTR, response => response.Answers.PtrRecords().Select(r => r.PtrDomainName.Value.TrimEnd('.')), cancellationToken);

    private async Task<DnsLookup<T>> QueryAsync<T>(string name, QueryType type, Func<IDnsQueryResponse, IEnumerable<T>> select, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        Route.DnsMetrics.Lookup(type, Route.DnsMetrics.Authentication);
        try
        {
            response = await lookup.QueryAsync(name, type, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException exception)
        {
            Route.DnsMetrics.Failure(type, Route.DnsMetrics.Authentication);
            return new(DnsLookupStatus.Failed, [], exception.Message);
        }
        catch (ArgumentException exception)
        {
            // DnsClient refuses names it cannot encode (a label over 63 octets): the name cannot exist.
            return new(DnsLookupStatus.NameError, [], exception.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Route.DnsMetrics.Failure(type, Route.DnsMetrics.Authentication);
            return new(DnsLookupStatus.Failed, [], "the DNS query timed out");
        }
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return new(DnsLookupStatus.NameError, []);
        if (response.HasError)
        {
            Route.DnsMetrics.Failure(type, Route.DnsMetrics.Authentication);
            return new(DnsLookupStatus.Failed, [], $"{name} {type}: {response.ErrorMessage}");
        }
        var records = select(response).ToArray();
        return records.Length == 0 ? new(DnsLookupStatus.NoData, []) : new(DnsLookupStatus.Found, records);
    }
}
