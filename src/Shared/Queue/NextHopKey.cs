using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Mailflow.Queue;

/// <summary>What kind of next hop a <see cref="NextHopKey"/> names.</summary>
public enum NextHopKeyKind
{
    /// <summary><c>local:maildir</c>: every local mailbox delivered to its Maildir folder.</summary>
    Maildir,
    /// <summary><c>lmtp:host:port</c> or <c>lmtp:unix:/path</c>: a mailbox server spoken to over LMTP.</summary>
    Lmtp,
    /// <summary><c>mailbox-smtp:host:port</c>: a mailbox whose delivery target is another SMTP server.</summary>
    MailboxSmtp,
    /// <summary><c>smtp:&lt;connector-id&gt;:&lt;domain&gt;</c>: a send connector delivering to the domain's MX hosts.</summary>
    Mx,
    /// <summary><c>smarthost:&lt;connector-id&gt;</c>: a send connector's smart hosts.</summary>
    SmartHost,
    /// <summary><c>unreachable</c>: no route; waits until the configuration changes.</summary>
    Unreachable,
}

/// <summary>
/// The one definition of a delivery queue's key (Exchange's "next hop domain"): routing builds it, the
/// queue stores it per recipient (<see cref="QueuedRecipient.NextHopKey"/>) and groups by it, delivery reads
/// it back, the admin center, REST API and CLI put it in URLs. Stored as text by <see cref="Format"/>:
/// <c>local:maildir</c>, <c>lmtp:host:port</c>, <c>lmtp:unix:/path</c>, <c>mailbox-smtp:host:port</c>,
/// <c>smtp:&lt;connector-id&gt;:&lt;domain&gt;</c>, <c>smarthost:&lt;connector-id&gt;</c>, <c>unreachable</c>;
/// SMTP keys end in <c>:requiretls</c> when a mail flow rule requires TLS (a separate queue, so those
/// messages never share a connection with opportunistic ones). People see
/// <see cref="NextHopDisplay"/>'s name for it, never the text.
/// </summary>
/// <param name="Host">LMTP or mailbox SMTP server (lower case), or <c>unix:/path</c> for an LMTP socket.</param>
/// <param name="Port">The server's port (0 for a unix socket).</param>
/// <param name="ConnectorId">The send connector, for <see cref="NextHopKeyKind.Mx"/> and <see cref="NextHopKeyKind.SmartHost"/>.</param>
/// <param name="Domain">The recipient domain whose MX hosts are used (<see cref="NextHopKeyKind.Mx"/>).</param>
public sealed record NextHopKey(
    NextHopKeyKind Kind,
    string? Host = null,
    int Port = 0,
    Guid? ConnectorId = null,
    string? Domain = null,
    bool RequireTls = false)
{
    private const string RequireTlsSuffix = ":requiretls";
    private const string UnixPrefix = "unix:";

    public static NextHopKey Maildir { get; } = new(NextHopKeyKind.Maildir);
    public static NextHopKey Unreachable { get; } = new(NextHopKeyKind.Unreachable);

    public static NextHopKey Lmtp(string host, int port) => new(NextHopKeyKind.Lmtp, NormalizeHost(host), port);
    public static NextHopKey LmtpSocket(string path) => new(NextHopKeyKind.Lmtp, path.StartsWith(UnixPrefix, StringComparison.OrdinalIgnoreCase) ? UnixPrefix + path[UnixPrefix.Length..] : UnixPrefix + path);
    public static NextHopKey MailboxSmtp(string host, int port, bool requireTls = false) => new(NextHopKeyKind.MailboxSmtp, NormalizeHost(host), port, RequireTls: requireTls);
    public static NextHopKey Mx(Guid connectorId, string domain, bool requireTls = false) => new(NextHopKeyKind.Mx, ConnectorId: connectorId, Domain: domain.ToLowerInvariant(), RequireTls: requireTls);
    public static NextHopKey SmartHost(Guid connectorId, bool requireTls = false) => new(NextHopKeyKind.SmartHost, ConnectorId: connectorId, RequireTls: requireTls);

    /// <summary>Delivered on this side of the organization (Maildir, LMTP): a success DSN says "delivered", not "relayed".</summary>
    public bool IsLocal => Kind is NextHopKeyKind.Maildir or NextHopKeyKind.Lmtp;

    /// <summary>The LMTP target is a unix socket (<see cref="Host"/> is <c>unix:/path</c>).</summary>
    public bool IsUnixSocket => Host?.StartsWith(UnixPrefix, StringComparison.Ordinal) == true;

    /// <summary>The stored, URL and API form.</summary>
    public string Format()
    {
        var tls = RequireTls ? RequireTlsSuffix : "";
        return Kind switch
        {
            NextHopKeyKind.Maildir => "local:maildir",
            NextHopKeyKind.Unreachable => "unreachable",
            NextHopKeyKind.Lmtp => "lmtp:" + Endpoint(),
            NextHopKeyKind.MailboxSmtp => "mailbox-smtp:" + Endpoint() + tls,
            NextHopKeyKind.Mx => $"smtp:{ConnectorId:D}:{Domain}{tls}",
            NextHopKeyKind.SmartHost => $"smarthost:{ConnectorId:D}{tls}",
            _ => throw new InvalidOperationException($"Unknown next hop kind {Kind}."),
        };
    }

    public override string ToString() => Format();

    /// <summary><c>host:port</c> (IPv6 in brackets) or <c>unix:/path</c>.</summary>
    public string Endpoint() => IsUnixSocket || Host is null
        ? Host ?? ""
        : (Host.Contains(':') ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    public static NextHopKey Parse(string text) =>
        TryParse(text, out var key) ? key : throw new FormatException($"“{text}” is not a next hop key.");

    /// <summary>Reads any key <see cref="Format"/> writes (and IPv6 hosts written without brackets by earlier versions).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out NextHopKey? key)
    {
        key = null;
        if (string.IsNullOrEmpty(text))
            return false;
        var requireTls = text.EndsWith(RequireTlsSuffix, StringComparison.Ordinal);
        var body = requireTls ? text[..^RequireTlsSuffix.Length] : text;
        switch (body)
        {
            case "local:maildir" when !requireTls:
                key = Maildir;
                return true;
            case "unreachable" when !requireTls:
                key = Unreachable;
                return true;
        }
        var colon = body.IndexOf(':');
        if (colon <= 0)
            return false;
        var rest = body[(colon + 1)..];
        switch (body[..colon])
        {
            case "lmtp" when !requireTls:
                if (rest.StartsWith(UnixPrefix + "/", StringComparison.Ordinal))
                {
                    key = new NextHopKey(NextHopKeyKind.Lmtp, rest);
                    return true;
                }
                if (!TryParseEndpoint(rest, out var lmtpHost, out var lmtpPort))
                    return false;
                key = new NextHopKey(NextHopKeyKind.Lmtp, lmtpHost, lmtpPort);
                return true;
            case "mailbox-smtp":
                if (!TryParseEndpoint(rest, out var host, out var port))
                    return false;
                key = new NextHopKey(NextHopKeyKind.MailboxSmtp, host, port, RequireTls: requireTls);
                return true;
            case "smarthost":
                if (!Guid.TryParseExact(rest, "D", out var smartHostConnector))
                    return false;
                key = SmartHost(smartHostConnector, requireTls);
                return true;
            case "smtp":
                var split = rest.IndexOf(':');
                if (split <= 0 || split == rest.Length - 1 || !Guid.TryParseExact(rest[..split], "D", out var mxConnector))
                    return false;
                key = Mx(mxConnector, rest[(split + 1)..], requireTls);
                return true;
            default:
                return false;
        }
    }

    private static bool TryParseEndpoint(string text, [NotNullWhen(true)] out string? host, out int port)
    {
        host = null;
        port = 0;
        string hostPart, portPart;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
                return false;
            hostPart = text[1..close];
            portPart = text[(close + 2)..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0)
                return false;
            hostPart = text[..colon];
            portPart = text[(colon + 1)..];
        }
        if (hostPart.Length == 0 || !int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is <= 0 or > 65535)
            return false;
        host = hostPart;
        return true;
    }

    private static string NormalizeHost(string host) => host.Trim().Trim('[', ']').ToLowerInvariant();
}
