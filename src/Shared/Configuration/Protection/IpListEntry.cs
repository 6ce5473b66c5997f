using Mailflow.Net;

namespace Mailflow.Configuration;

/// <summary>Which list an <see cref="IpListEntry"/> is on (Exchange's IP Allow List / IP Block List).</summary>
public enum IpListKind
{
    /// <summary>Always let the client in: the block list and the DNS block lists are not consulted.</summary>
    Allow,
    /// <summary>Refuse the client at connect with 554 5.7.1.</summary>
    Block,
}

/// <summary>
/// One address or CIDR range (IPv4 or IPv6) on the connection filter's allow or block list, with an
/// optional expiry (an entry past it is ignored by the engine and shown as expired) and a comment
/// saying why it is there.
/// </summary>
public sealed class IpListEntry : IConfigurationObject
{
    public const int MaxCommentLength = 256;

    public Guid Id { get; set; } = Guid.NewGuid();
    public IpListKind List { get; set; } = IpListKind.Block;
    /// <summary>An address (<c>203.0.113.9</c>, <c>2001:db8::1</c>) or CIDR range (<c>203.0.113.0/24</c>), stored normalized.</summary>
    public string Range { get; set; } = "";
    public string? Comment { get; set; }
    /// <summary>When the entry stops applying; null = never.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    public int Revision { get; set; }

    public string DisplayName => $"{(List == IpListKind.Allow ? "allow" : "block")} {Range}";

    public bool IsActiveAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;

    /// <summary>Parses <paramref name="text"/> as an address or CIDR range (not a dash range: lists are written in CIDR).</summary>
    public static bool TryParseRange(string? text, out IpRange range, out string? error)
    {
        if ((text ?? "").Contains('-'))
        {
            range = null!;
            error = "Write one address (203.0.113.9, 2001:db8::1) or a CIDR range (203.0.113.0/24, 2001:db8::/48).";
            return false;
        }
        return IpRange.TryParse(text, out range, out error);
    }
}
