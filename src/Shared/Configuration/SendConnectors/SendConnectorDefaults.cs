namespace Mailflow.Configuration;

/// <summary>A send connector's defaults, in one place: the entity, the configuration document's spec and the API resource read them from here.</summary>
public static class SendConnectorDefaults
{
    public const SendRoutingMethod RoutingMethod = SendRoutingMethod.DnsMx;
    public const OutboundTlsPolicy TlsPolicy = OutboundTlsPolicy.Opportunistic;
    /// <summary>
    /// Testing: policies are fetched and every violation is logged and traced (and reported), but
    /// nothing is deferred that was delivered before. A Postfix admin expects that (Postfix itself has
    /// no MTA-STS; with postfix-mta-sts-resolver it is something you turn on), and RFC 8461 §5 lets a
    /// sender choose; switching a connector to Enforce is one setting once the trace looks clean.
    /// </summary>
    public const MtaStsOutboundMode MtaSts = MtaStsOutboundMode.Testing;
    /// <summary>
    /// Off, as in Postfix (DANE needs <c>smtp_dns_support_level = dnssec</c> and <c>smtp_tls_security_level = dane</c>):
    /// it trusts the AD bit, so the resolvers in <c>Mailflow:Dns:Servers</c> must validate DNSSEC and be reached over a trusted path.
    /// </summary>
    public const bool Dane = false;
    /// <summary>RFC 5321 §4.5.4.2 / IANA: SMTP relay is port 25.</summary>
    public const int Port = 25;
    /// <summary>Exchange send connector default: 35 MB. 0 = unlimited.</summary>
    public const long MaxMessageSizeBytes = 35L * 1024 * 1024;
    /// <summary>Concurrent connections per next hop (Postfix default_destination_concurrency_limit = 20).</summary>
    public const int MaxConcurrentConnections = 20;
    /// <summary>Messages sent over one connection before it is closed (Exchange's SMTP send default: 20).</summary>
    public const int MaxMessagesPerConnection = 20;
}
