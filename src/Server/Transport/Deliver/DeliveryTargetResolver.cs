using System.Net;
using Mailflow.Configuration;
using Mailflow.Queue;
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

    /// <summary>
    /// Deliveries to this next hop at once under <paramref name="config"/> (the send connector's
    /// MaxConcurrentConnections; local targets <see cref="DeliveryTarget.LocalConcurrency"/>), without any
    /// lookup: what the queue manager claims for it at most (plus a prefetch).
    /// </summary>
    int ConcurrencyLimit(string nextHopKey, TransportConfig config);
}

/// <summary>MX lookup for <c>smtp:&lt;connector&gt;:&lt;domain&gt;</c> next hops: hosts in preference order, or a failure (null MX → permanent 5.1.10; DNS trouble → transient).</summary>
public interface ISmtpHostLookup
{
    Task<DeliveryTargetResolution> LookupAsync(string domain, int port, CancellationToken cancellationToken);
}

/// <summary>
/// Reads the router's queue keys (<see cref="NextHopKey"/>): MX delivery through a send connector (hosts
/// from <see cref="ISmtpHostLookup"/>), a connector's smart hosts in order, each recipient's Maildir, an
/// LMTP server or socket, a mailbox's SMTP server; <c>unreachable</c> defers with that reason until the
/// configuration changes. A key that requires TLS raises an opportunistic policy to Required.
/// Unknown keys and vanished connectors defer (never bounce on a routing bug).
/// </summary>
public sealed class NextHopKeyTargetResolver(
    ISmtpHostLookup hostLookup,
    SmartHostPasswordProtector passwords,
    IOptions<MailflowOptions> options,
    Tls.MtaStsPolicyCache? mtaSts = null,
    Tls.OutboundTlsTrust? trust = null) : IDeliveryTargetResolver
{
    public async Task<DeliveryTargetResolution> ResolveAsync(string nextHopKey, TransportConfig config, CancellationToken cancellationToken)
    {
        if (!NextHopKey.TryParse(nextHopKey, out var key))
            return DeliveryTargetResolution.Failed(DeliveryReplies.UnknownNextHop(nextHopKey));
        var resolution = await ResolveBaseAsync(nextHopKey, key, config, cancellationToken);
        if (!key.RequireTls || resolution.Target is not { } target)
            return resolution;
        var policy = target.Smtp.TlsPolicy == OutboundTlsPolicy.Opportunistic ? OutboundTlsPolicy.Required : target.Smtp.TlsPolicy;
        return DeliveryTargetResolution.Of(target with { Smtp = target.Smtp with { TlsPolicy = policy } });
    }

    private async Task<DeliveryTargetResolution> ResolveBaseAsync(string nextHopKey, NextHopKey key, TransportConfig config, CancellationToken cancellationToken)
    {
        var local = new SmtpDeliverySettings { HeloName = options.Value.ResolvedFqdn };
        switch (key.Kind)
        {
            case NextHopKeyKind.Unreachable:
                return DeliveryTargetResolution.Failed(DeliveryReplies.Unreachable());
            case NextHopKeyKind.Maildir:
                return DeliveryTargetResolution.Of(new DeliveryTarget(nextHopKey, DeliveryTargetKind.Maildir) { Smtp = local });
            case NextHopKeyKind.Lmtp:
                return DeliveryTargetResolution.Of(new DeliveryTarget(nextHopKey, DeliveryTargetKind.Lmtp) { Hosts = [new DeliveryHost(key.Host!, key.Port)], Smtp = local });
            case NextHopKeyKind.MailboxSmtp:
                // A mailbox whose delivery target is another SMTP server (a mailbox server behind Mailflow).
                return DeliveryTargetResolution.Of(new DeliveryTarget(nextHopKey, DeliveryTargetKind.Smtp) { Hosts = [new DeliveryHost(key.Host!, key.Port)], Smtp = local });
        }

        var connector = config.SendConnectors.FirstOrDefault(c => c.Id == key.ConnectorId && c.Enabled);
        if (connector is null)
            return DeliveryTargetResolution.Failed(DeliveryReplies.Unreachable());
        var target = new DeliveryTarget(nextHopKey, DeliveryTargetKind.Smtp)
        {
            Smtp = SettingsFor(connector),
            MaxConcurrentDeliveries = ConcurrencyLimit(connector),
        };
        if (key.Kind == NextHopKeyKind.SmartHost)
        {
            var hosts = connector.SmartHosts
                .Select(entry => SmartHostRules.TryParse(entry, out var name, out var port, out _) ? new DeliveryHost(name, port ?? connector.Port) : null)
                .OfType<DeliveryHost>()
                .ToList();
            return DeliveryTargetResolution.Of(target with { Hosts = hosts });
        }
        var lookup = await hostLookup.LookupAsync(key.Domain!, connector.Port, cancellationToken);
        if (lookup.Target is not { } found)
            return lookup;
        return DeliveryTargetResolution.Of(target with { Hosts = found.Hosts, MtaSts = await MtaStsFor(connector, key.Domain!, cancellationToken) });
    }

    /// <summary>The recipient domain's MTA-STS policy as the connector applies it (RFC 8461 §5): none when the connector is Off or the domain has no policy in force.</summary>
    private async Task<Tls.MtaStsRequirement?> MtaStsFor(SendConnector connector, string domain, CancellationToken cancellationToken)
    {
        if (mtaSts is null || connector.MtaSts == MtaStsOutboundMode.Off)
            return null;
        var lookup = await mtaSts.GetAsync(domain, refresh: false, cancellationToken);
        if (lookup.Policy is not { Mode: not Authentication.DomainHealth.MtaStsMode.None } policy)
            return null;
        var enforced = connector.MtaSts == MtaStsOutboundMode.Enforce && policy.Mode == Authentication.DomainHealth.MtaStsMode.Enforce;
        return new Tls.MtaStsRequirement(lookup.Domain, policy, lookup.Id!, enforced);
    }

    public bool NeedsRerouting(string nextHopKey, TransportConfig config) =>
        NextHopKey.TryParse(nextHopKey, out var key) && (key.Kind == NextHopKeyKind.Unreachable
            || (key.ConnectorId is { } id && !config.SendConnectors.Any(c => c.Id == id && c.Enabled)));

    public int ConcurrencyLimit(string nextHopKey, TransportConfig config)
    {
        if (!NextHopKey.TryParse(nextHopKey, out var key) || key.Kind == NextHopKeyKind.Unreachable)
            return 1; // deferred without a connection: one at a time is plenty
        if (key.ConnectorId is not { } id)
            return DeliveryTarget.LocalConcurrency;
        return config.SendConnectors.FirstOrDefault(c => c.Id == id && c.Enabled) is { } connector ? ConcurrencyLimit(connector) : 1;
    }

    private static int ConcurrencyLimit(SendConnector connector) => Math.Max(1, connector.MaxConcurrentConnections);

    private SmtpDeliverySettings SettingsFor(SendConnector connector) => new()
    {
        ConnectorId = connector.Id,
        ConnectorName = connector.Name,
        TlsPolicy = connector.TlsPolicy,
        TlsCertificateDomain = string.IsNullOrWhiteSpace(connector.TlsCertificateDomain) ? null : connector.TlsCertificateDomain,
        TrustedRoots = trust?.ExtraRoots,
        Dane = connector.Dane,
        HeloName = string.IsNullOrWhiteSpace(connector.HeloFqdn) ? options.Value.ResolvedFqdn : connector.HeloFqdn,
        Credentials = connector.SmartHostAuthentication == SmartHostAuthentication.Basic
            ? new NetworkCredential(connector.SmartHostUsername, passwords.Unprotect(connector) ?? "")
            : null,
        MaxMessagesPerConnection = connector.MaxMessagesPerConnection,
        MaxMessageSizeBytes = connector.MaxMessageSizeBytes,
    };
}
