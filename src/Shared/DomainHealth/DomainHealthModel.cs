using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.DomainHealth;

/// <summary>How one check of a domain's DNS came out. Ordered: the worst check is the domain's status.</summary>
public enum DomainHealthStatus
{
    /// <summary>As receivers want it.</summary>
    Ok,
    /// <summary>Works, but weaker than it should be (p=none, no MTA-STS, a DNS server that did not answer).</summary>
    Warn,
    /// <summary>Receivers will junk or refuse our mail, or not find us (no MX, SPF over its lookup limit, a DKIM key DNS does not serve).</summary>
    Fail,
}

/// <summary>
/// One check of a domain (the MX, the SPF record, one DKIM selector, the PTR of one sending address…):
/// what was found and, when it is not ok, the exact DNS record to publish or fix.
/// </summary>
/// <param name="Id">Stable per check: <c>mx</c>, <c>spf</c>, <c>spf-lookups</c>, <c>spf-senders</c>, <c>dkim:&lt;selector&gt;</c>, <c>dmarc</c>, <c>mta-sts</c>, <c>tls-rpt</c>, <c>ptr:&lt;address&gt;</c>.</param>
/// <param name="Area">The group it belongs to on the page: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, Reverse DNS.</param>
/// <param name="Summary">One sentence: what is right or wrong, and why it matters.</param>
/// <param name="Found">The record(s) DNS served, as served; null when there were none.</param>
/// <param name="FixName">The DNS name of the record to publish or change (null when nothing is to publish).</param>
/// <param name="FixType">Its type (TXT, MX, A, PTR).</param>
/// <param name="FixValue">Its value, exactly as to publish.</param>
public sealed record DomainHealthCheck(
    string Id, string Area, string Title, DomainHealthStatus Status, string Summary,
    string? Found = null, string? FixName = null, string? FixType = null, string? FixValue = null)
{
    /// <summary>The record to publish as one zone-file line (copyable), or null.</summary>
    public string? FixRecord => FixName is null || FixType is null || FixValue is null
        ? null
        : $"{FixName}. {FixType} {(FixType == "TXT" ? Quote(FixValue) : FixValue)}";

    /// <summary>TXT values in zone-file quoting; longer than 255 octets, split into strings as DNS needs (RFC 1035 §3.3.14).</summary>
    private static string Quote(string value)
    {
        var escaped = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        if (value.Length <= 255)
            return $"\"{escaped}\"";
        var parts = new List<string>();
        for (var i = 0; i < value.Length; i += 255)
            parts.Add(value.Substring(i, Math.Min(255, value.Length - i)).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
        return "( " + string.Join(" ", parts.Select(p => $"\"{p}\"")) + " )";
    }
}

/// <summary>The newest health check of one accepted domain, stored so every node, the page, the API and the doctor read the same result.</summary>
public sealed class DomainHealthReport
{
    /// <summary>The accepted domain, lower case.</summary>
    public string Domain { get; set; } = "";
    public DateTimeOffset CheckedAt { get; set; }
    /// <summary>The node that ran the checks (its DNS resolvers answered).</summary>
    public string CheckedBy { get; set; } = "";
    /// <summary>The worst status of <see cref="Checks"/>.</summary>
    public DomainHealthStatus Status { get; set; }
    public List<DomainHealthCheck> Checks { get; set; } = [];

    public int Count(DomainHealthStatus status) => Checks.Count(c => c.Status == status);

    public static DomainHealthStatus Worst(IEnumerable<DomainHealthCheck> checks) =>
        checks.Select(c => c.Status).DefaultIfEmpty(DomainHealthStatus.Ok).Max();
}

public static class DomainHealthModel
{
    public const int DomainLength = 253;

    public static void Configure(ModelBuilder b) =>
        b.Entity<DomainHealthReport>(e =>
        {
            e.HasKey(x => x.Domain);
            e.Property(x => x.Domain).HasMaxLength(DomainLength);
            e.Property(x => x.CheckedBy).HasMaxLength(256);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(8);
            e.Property(x => x.Checks).HasJsonConversion();
        });
}
