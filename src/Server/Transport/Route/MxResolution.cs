using System.Collections.Immutable;
using System.Net;

namespace Mailflow.Server.Transport.Route;

public enum MxResolutionStatus
{
    /// <summary>At least one host with an address: deliver to <see cref="MxResolution.Hosts"/> in order.</summary>
    Resolved,
    /// <summary>The domain cannot receive mail: fail the recipients (NDR) with the enhanced code.</summary>
    PermanentFailure,
    /// <summary>DNS did not answer usefully this time: retry later.</summary>
    TemporaryFailure,
}

/// <param name="Name">The host name (the MX exchange, or the domain itself for an implicit MX).</param>
/// <param name="Preference">MX preference: lower is tried first.</param>
/// <param name="Addresses">IPv4 then IPv6 addresses of the host.</param>
/// <param name="Implicit">No MX records exist; the domain's own A/AAAA records are used (RFC 5321 §5.1 "implicit MX").</param>
public sealed record MxHost(string Name, int Preference, ImmutableArray<IPAddress> Addresses, bool Implicit = false);

/// <summary>Where mail for a domain goes according to DNS.</summary>
/// <param name="Hosts">In the order to try them: by preference, equal preferences shuffled (RFC 5321 §5.1).</param>
/// <param name="EnhancedStatusCode">For failures: 5.1.10 null MX (RFC 7505), 5.1.2 no such domain, 5.4.4 no usable host, 4.4.3 DNS failure.</param>
/// <param name="Reason">For failures: plain language, for the NDR and the queue viewer.</param>
public sealed record MxResolution(string Domain, MxResolutionStatus Status, ImmutableArray<MxHost> Hosts, string? EnhancedStatusCode = null, string? Reason = null)
{
    public static MxResolution Permanent(string domain, string code, string reason) => new(domain, MxResolutionStatus.PermanentFailure, [], code, reason);
    public static MxResolution Temporary(string domain, string reason) => new(domain, MxResolutionStatus.TemporaryFailure, [], "4.4.3", reason);
}
