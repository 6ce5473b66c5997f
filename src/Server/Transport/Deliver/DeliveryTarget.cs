using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>How a next hop is reached.</summary>
public enum DeliveryTargetKind
{
    /// <summary>SMTP to MX hosts or smart hosts (send connector).</summary>
    Smtp,
    /// <summary>Local Maildir folders of mailbox recipients.</summary>
    Maildir,
    /// <summary>LMTP (RFC 2033) to a mailbox server.</summary>
    Lmtp,
}

/// <summary>One host to try: a name or address and a port. For LMTP over a unix socket, <c>Host</c> is <c>unix:/path</c> and the port is 0.</summary>
public sealed record DeliveryHost(string Host, int Port)
{
    /// <summary>The MX host name this host came from (also when <see cref="Host"/> is one of its addresses): what MTA-STS and DANE check. Null for smart hosts.</summary>
    public string? MxName { get; init; }

    public bool IsUnixSocket => Host.StartsWith("unix:", StringComparison.Ordinal);
    public override string ToString() => IsUnixSocket ? Host : Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// A next hop, ready for an agent: the queue it belongs to (<see cref="NextHopKey"/>), the hosts to
/// try in order (MX preference order, or the smart host list — failover goes down the list), and
/// the send connector's settings. Built from the router's next hop by an <see cref="IDeliveryTargetResolver"/>.
/// </summary>
public sealed record DeliveryTarget(string NextHopKey, DeliveryTargetKind Kind)
{
    public IReadOnlyList<DeliveryHost> Hosts { get; init; } = [];
    public SmtpDeliverySettings Smtp { get; init; } = new();
    /// <summary>The recipient domain's MTA-STS policy the send connector applies to this MX delivery; null = none.</summary>
    public Tls.MtaStsRequirement? MtaSts { get; init; }
    /// <summary>Deliveries to this next hop at once, across all its messages (the connector's MaxConcurrentConnections; local targets a default).</summary>
    public int MaxConcurrentDeliveries { get; init; } = LocalConcurrency;

    /// <summary>Local targets (Maildir, LMTP): Postfix's local_destination_concurrency_limit is 2, Dovecot's LMTP handles more; 10 is a middle.</summary>
    public const int LocalConcurrency = 10;
}

/// <summary>SMTP client settings for one next hop, taken from its send connector.</summary>
public sealed record SmtpDeliverySettings
{
    public Guid? ConnectorId { get; init; }
    public string? ConnectorName { get; init; }
    public OutboundTlsPolicy TlsPolicy { get; init; } = OutboundTlsPolicy.Opportunistic;
    /// <summary>The name the certificate must carry under <see cref="OutboundTlsPolicy.RequiredWithCertificateValidation"/>; null = the host connected to.</summary>
    public string? TlsCertificateDomain { get; init; }
    /// <summary>Extra trust anchors for certificate validation (a private CA); the system store is always used too.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }
    /// <summary>DANE (RFC 7672) for MX hosts: their DNSSEC-validated TLSA records decide TLS and the certificate.</summary>
    public bool Dane { get; init; }
    /// <summary>EHLO name: the connector's HELO FQDN or the node's FQDN.</summary>
    public string HeloName { get; init; } = "localhost";
    /// <summary>AUTH credentials for smart hosts; null = no AUTH. Never logged.</summary>
    public NetworkCredential? Credentials { get; init; }
    /// <summary>Exchange SMTP send default: 20 messages per connection.</summary>
    public int MaxMessagesPerConnection { get; init; } = 20;
    /// <summary>0 = no connector limit.</summary>
    public long MaxMessageSizeBytes { get; init; }
    /// <summary>Per command. RFC 5321 §4.5.3.2 asks for minutes (5 for most replies, 10 after the final dot); MailKit's default is 2.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
