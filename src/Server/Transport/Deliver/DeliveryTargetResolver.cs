using System.Globalization;
using System.Net;
using Mailflow.Configuration;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>A next hop made concrete, or why it cannot be used right now (transient) or ever (permanent, e.g. a null MX).</summary>
public sealed record DeliveryTargetResolution(DeliveryTarget? Target, DeliveryReply? Failure)
{
    public static DeliveryTargetResolution Of(DeliveryTarget target) => new(target, null);
    public static DeliveryTargetResolution Failed(DeliveryReply reply) => new(null, reply);
}

/// <summary>
/// Turns a recipient's next hop key (set by routing) into a <see cref="DeliveryTarget"/> at delivery
/// time, against the current configuration snapshot — so an edited smart host list or TLS policy
/// applies to mail already queued.
/// </summary>
public interface IDeliveryTargetResolver
{
    Task<DeliveryTargetResolution> ResolveAsync(string nextHopKey, TransportConfig config, CancellationToken cancellationToken);

    /// <summary>True when recipients with this key must be routed again under <paramref name="config"/> (unreachable, or their send connector is gone or disabled).</summary>
    bool NeedsRerouting(string nextHopKey, TransportConfig config);
}

/// <summary>MX lookup for <c>smtp:&lt;connector&gt;:&lt;domain&gt;</c> next hops: hosts in preference order, or a failure (null MX → permanent 5.1.10; DNS trouble → transient).</summary>
public interface ISmtpHostLookup
{
    Task<DeliveryTargetResolution> LookupAsync(string domain, int port, CancellationToken cancellationToken);
}

/// <summary>
/// Reads the router's queue keys:
/// <list type="bullet">
/// <item><c>smtp:&lt;connector-id&gt;:&lt;domain&gt;</c> — MX delivery through a send connector (hosts from <see cref="ISmtpHostLookup"/>);</item>
/// <item><c>smarthost:&lt;connector-id&gt;</c> — the connector's smart hosts, in order;</item>
/// <item><c>local:maildir</c> — each recipient's Maildir;</item>
/// <item><c>lmtp:host:port</c>, <c>lmtp:[v6]:port</c> or <c>lmtp:unix:/path</c>;</item>
/// <item><c>unreachable</c> — no connector matched: deferred with that reason until the configuration changes.</item>
/// </list>
/// Unknown keys and vanished connectors defer (never bounce on a routing bug).
/// </summary>
public sealed class NextHopKeyTargetResolver(
    ISmtpHostLookup hostLookup,
    SmartHostPasswordProtector passwords,
    IOptions<MailflowOptions> options) : IDeliveryTargetResolver
{
    public const string Unreachable = "unreachable";
    public const string LocalMaildir = "local:maildir";

    /// <summary>The router appends this to a key when a mail flow rule requires TLS for the message.</summary>
    public const string RequireTlsSuffix = ":requiretls";

    public async Task<DeliveryTargetResolution> ResolveAsync(string nextHopKey, TransportConfig config, CancellationToken cancellationToken)
    {
        if (!nextHopKey.EndsWith(RequireTlsSuffix, StringComparison.Ordinal))
            return await ResolveBaseAsync(nextHopKey, config, cancellationToken);
        var resolution = await ResolveBaseAsync(nextHopKey[..^RequireTlsSuffix.Length], config, cancellationToken);
        if (resolution.Target is not { } target)
            return resolution;
        var policy = target.Smtp.TlsPolicy == OutboundTlsPolicy.Opportunistic ? OutboundTlsPolicy.Required : target.Smtp.TlsPolicy;
        return DeliveryTargetResolution.Of(target with { NextHopKey = nextHopKey, Smtp = target.Smtp with { TlsPolicy = policy } });
    }

    private async Task<DeliveryTargetResolution> ResolveBaseAsync(string nextHopKey, TransportConfig config, CancellationToken cancellationToken)
    {
        var local = new SmtpDeliverySettings { HeloName = options.Value.ResolvedFqdn };
        if (nextHopKey.StartsWith("mailbox-smtp:", StringComparison.Ordinal))
        {
            // A mailbox whose delivery target is another SMTP server (a mailbox server behind Mailflow).
            var mailboxServer = ParseHost(nextHopKey["mailbox-smtp:".Length..], defaultPort: 25);
            return mailboxServer is null
                ? DeliveryTargetResolution.Failed(DeliveryReplies.UnknownNextHop(nextHopKey))
                : DeliveryTargetResolution.Of(new DeliveryTarget(nextHopKey, DeliveryTargetKind.Smtp) { Hosts = [mailboxServer], Smtp = local });
        }
        if (nextHopKey == Unreachable)
            return DeliveryTargetResolution.Failed(DeliveryReplies.Unreachable());
        if (nextHopKey == LocalMaildir)
            return DeliveryTargetResolution.Of(new DeliveryTarget(nextHopKey, DeliveryTargetKind.Maildir) { Smtp = local });
        if (nextHopKey.StartsWith("lmtp:", StringComparison.Ordinal))
        {
            var host = ParseHost(nextHopKey["lmtp:".Length..], defaultPort: 24);
            return host is null
                ? DeliveryTargetResolution.Failed(DeliveryReplies.UnknownNextHop(nextHopKey))
                : DeliveryTargetResolution.Of(new DeliveryTarget(nextHopKey, DeliveryTargetKind.Lmtp) { Hosts = [host], Smtp = local });
        }

        var parts = nextHopKey.Split(':', 3);
        if (parts.Length < 2 || !Guid.TryParse(parts[1], out var connectorId))
            return DeliveryTargetResolution.Failed(DeliveryReplies.UnknownNextHop(nextHopKey));
        var connector = config.SendConnectors.FirstOrDefault(c => c.Id == connectorId && c.Enabled);
        if (connector is null)
            return DeliveryTargetResolution.Failed(DeliveryReplies.Unreachable());
        var target = new DeliveryTarget(nextHopKey, DeliveryTargetKind.Smtp)
        {
            Smtp = SettingsFor(connector),
            MaxConcurrentDeliveries = Math.Max(1, connector.MaxConcurrentConnections),
        };

        switch (parts[0])
        {
            case "smarthost" when parts.Length == 2:
                var hosts = connector.SmartHosts
                    .Select(entry => SmartHostRules.TryParse(entry, out var name, out var port, out _) ? new DeliveryHost(name, port ?? connector.Port) : null)
                    .OfType<DeliveryHost>()
                    .ToList();
                return DeliveryTargetResolution.Of(target with { Hosts = hosts });
            case "smtp" when parts.Length == 3 && parts[2].Length > 0:
                var lookup = await hostLookup.LookupAsync(parts[2], connector.Port, cancellationToken);
                return lookup.Target is { } found ? DeliveryTargetResolution.Of(target with { Hosts = found.Hosts }) : lookup;
            default:
                return DeliveryTargetResolution.Failed(DeliveryReplies.UnknownNextHop(nextHopKey));
        }
    }

    public bool NeedsRerouting(string nextHopKey, TransportConfig config)
    {
        if (nextHopKey.EndsWith(RequireTlsSuffix, StringComparison.Ordinal))
            nextHopKey = nextHopKey[..^RequireTlsSuffix.Length];
        if (nextHopKey == Unreachable)
            return true;
        var parts = nextHopKey.Split(':', 3);
        return parts[0] is "smtp" or "smarthost"
            && (parts.Length < 2 || !Guid.TryParse(parts[1], out var id) || !config.SendConnectors.Any(c => c.Id == id && c.Enabled));
    }

    private SmtpDeliverySettings SettingsFor(SendConnector connector) => new()
    {
        ConnectorId = connector.Id,
        ConnectorName = connector.Name,
        TlsPolicy = connector.TlsPolicy,
        TlsCertificateDomain = string.IsNullOrWhiteSpace(connector.TlsCertificateDomain) ? null : connector.TlsCertificateDomain,
        HeloName = string.IsNullOrWhiteSpace(connector.HeloFqdn) ? options.Value.ResolvedFqdn : connector.HeloFqdn,
        Credentials = connector.SmartHostAuthentication == SmartHostAuthentication.Basic
            ? new NetworkCredential(connector.SmartHostUsername, passwords.Unprotect(connector) ?? "")
            : null,
        MaxMessagesPerConnection = connector.MaxMessagesPerConnection,
        MaxMessageSizeBytes = connector.MaxMessageSizeBytes,
    };

    /// <summary><c>host:port</c>, <c>[v6]:port</c>, <c>host</c> or <c>unix:/path</c>.</summary>
    internal static DeliveryHost? ParseHost(string text, int defaultPort)
    {
        if (text.StartsWith("unix:/", StringComparison.Ordinal))
            return new DeliveryHost(text, 0);
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
                return null;
            var rest = text[(close + 1)..];
            var v6Port = rest.Length == 0 ? defaultPort : rest.StartsWith(':') && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var p6) ? p6 : -1;
            return v6Port is > 0 and <= 65535 ? new DeliveryHost(text[1..close], v6Port) : null;
        }
        var colon = text.LastIndexOf(':');
        if (colon < 0)
            return text.Length > 0 ? new DeliveryHost(text, defaultPort) : null;
        return int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 && colon > 0
            ? new DeliveryHost(text[..colon], port)
            : null;
    }
}
