using Mailflow.Net;
using System.Collections.Immutable;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Receive.Policy;

/// <summary>
/// Everything a receive session decides from configuration, frozen when the session starts so an
/// admin edit never tears a session in flight (sessions keep the policy they started with).
/// Built from a <see cref="ReceiveConnector"/>; defaults and their provenance live on the entity.
/// </summary>
public sealed record ReceivePolicy
{
    public required Guid ConnectorId { get; init; }
    public required string ConnectorName { get; init; }
    /// <summary>The name in the banner, the EHLO reply and Received: headers.</summary>
    public required string Fqdn { get; init; }
    /// <summary>Text after <c>220 fqdn</c>.</summary>
    public string Banner { get; init; } = "Mailflow ESMTP ready";
    public required string NodeName { get; init; }
    public ReceivePermissionGroups PermissionGroups { get; init; } = ReceiveConnectorDefaults.PermissionGroups;
    public ConnectorTlsMode TlsMode { get; init; } = ReceiveConnectorDefaults.TlsMode;
    /// <summary>Offer STARTTLS (when <see cref="TlsMode"/> is StartTls).</summary>
    public bool OfferTls { get; init; } = true;
    /// <summary>Refuse MAIL until TLS is active (RFC 3207 §4: 530 5.7.0).</summary>
    public bool RequireTls { get; init; }
    public bool OfferBasicAuth { get; init; }
    /// <summary>AUTH PLAIN/LOGIN only once TLS is active (RFC 4954 §4: 538 otherwise).</summary>
    public bool BasicAuthRequiresTls { get; init; } = true;
    /// <summary>AUTH OAUTHBEARER/XOAUTH2 with the organization's OpenID Connect issuer; only ever once TLS is active.</summary>
    public bool OfferOAuth { get; init; }
    /// <summary>The link is secured outside SMTP: the session counts as authenticated for rights.</summary>
    public bool ExternallySecured { get; init; }
    /// <summary>The connector defaults (<see cref="ReceiveConnectorDefaults"/>) unless the connector says otherwise.</summary>
    public long MaxMessageSize { get; init; } = ReceiveConnectorDefaults.MaxMessageSizeBytes;
    public int MaxRecipientsPerMessage { get; init; } = ReceiveConnectorDefaults.MaxRecipientsPerMessage;
    /// <summary>RFC 5321 §4.5.3.1.6: 1000 octets including CRLF.</summary>
    public int MaxTextLineLength { get; init; } = 1000;
    public int MaxProtocolErrors { get; init; } = ReceiveConnectorDefaults.MaxProtocolErrors;
    /// <summary>Failed AUTH attempts per session before 421 4.7.0 and disconnect.</summary>
    public int MaxAuthFailures { get; init; } = 3;
    /// <summary>Applied before every error reply.</summary>
    public TimeSpan TarpitDelay { get; init; } = TimeSpan.FromMilliseconds(ReceiveConnectorDefaults.TarpitIntervalMilliseconds);
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(ReceiveConnectorDefaults.IdleTimeoutSeconds);
    /// <summary>For the whole session.</summary>
    public TimeSpan ConnectionTimeout { get; init; } = TimeSpan.FromSeconds(ReceiveConnectorDefaults.ConnectionTimeoutSeconds);
    /// <summary>A whole command line must arrive within this once it started (RFC 5321 §4.5.3.2: 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(ReceiveConnectorDefaults.CommandTimeoutSeconds);
    /// <summary>Least DATA/BDAT octets per second after <see cref="DataRateGrace"/>; 0 = off (Postfix smtpd_min_data_rate).</summary>
    public int MinDataRate { get; init; } = ReceiveConnectorDefaults.MinDataRateBytesPerSecond;
    public TimeSpan DataRateGrace { get; init; } = TimeSpan.FromSeconds(ReceiveConnectorDefaults.DataRateGraceSeconds);
    /// <summary>Postscreen-style checks before the banner (the PreGreeting agent reads them).</summary>
    public bool PreGreetingChecks { get; init; }
    public TimeSpan GreetPause { get; init; } = TimeSpan.FromMilliseconds(ReceiveConnectorDefaults.GreetPauseMilliseconds);
    public BareLineEndingPolicy BareLineEndings { get; init; } = ReceiveConnectorDefaults.BareLineEndings;
    /// <summary>Received fields a message may arrive with (Exchange's MaxHopCount); the HopCount agent reads it.</summary>
    public int MaxHopCount { get; init; } = ReceiveConnectorDefaults.MaxHopCount;
    /// <summary>… of which written by our own host names (MaxLocalHopCount).</summary>
    public int MaxLocalHopCount { get; init; } = ReceiveConnectorDefaults.MaxLocalHopCount;
    public SenderAuthenticationMode SenderAuthentication { get; init; } = ReceiveConnectorDefaults.SenderAuthentication;
    public bool ProtocolLogging { get; init; }
    public int MaxInboundConnections { get; init; } = ReceiveConnectorDefaults.MaxInboundConnections;
    public int MaxInboundConnectionsPerSource { get; init; } = ReceiveConnectorDefaults.MaxInboundConnectionsPerSource;
    /// <summary>Client ranges this connector takes; empty = every address.</summary>
    public ImmutableArray<IpRange> RemoteIpRanges { get; init; } = [];
    public Guid? CertificateId { get; init; }

    public bool OffersStartTls => TlsMode == ConnectorTlsMode.StartTls && OfferTls;

    /// <summary>What the session may do (Exchange permission groups → rights, one table in Shared).</summary>
    public ReceiveRights RightsFor(bool authenticated) =>
        ReceivePermissions.RightsFor(PermissionGroups, authenticated || ExternallySecured);

    /// <summary>Whether AUTH may be used right now (RFC 4954 §4: not advertised where it would be refused).</summary>
    public bool AuthAllowed(bool tlsActive) => BasicAuthAllowed(tlsActive) || OAuthAllowed(tlsActive);

    public bool BasicAuthAllowed(bool tlsActive) => OfferBasicAuth && (tlsActive || !BasicAuthRequiresTls);

    /// <summary>A bearer token is a credential that works anywhere until it expires: never over a clear channel.</summary>
    public bool OAuthAllowed(bool tlsActive) => OfferOAuth && tlsActive;

    /// <param name="nodeFqdn">Used when the connector leaves its FQDN empty.</param>
    /// <exception cref="FormatException">A remote IP range is not valid (the configuration service validates before saving).</exception>
    public static ReceivePolicy FromConnector(ReceiveConnector connector, string nodeFqdn, string nodeName) => new()
    {
        ConnectorId = connector.Id,
        ConnectorName = connector.Name,
        Fqdn = string.IsNullOrWhiteSpace(connector.Fqdn) ? nodeFqdn : connector.Fqdn.Trim(),
        Banner = string.IsNullOrWhiteSpace(connector.Banner) ? "Mailflow ESMTP ready" : connector.Banner.Trim(),
        NodeName = nodeName,
        PermissionGroups = connector.PermissionGroups,
        TlsMode = connector.TlsMode,
        OfferTls = connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.Tls) || connector.TlsMode == ConnectorTlsMode.ImplicitTls,
        RequireTls = connector.RequireTls,
        OfferBasicAuth = connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.BasicAuth),
        BasicAuthRequiresTls = connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.BasicAuthRequireTls),
        ExternallySecured = connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.ExternallySecured),
        OfferOAuth = connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.OAuth),
        MaxMessageSize = connector.MaxMessageSizeBytes,
        MaxRecipientsPerMessage = connector.MaxRecipientsPerMessage,
        MaxProtocolErrors = connector.MaxProtocolErrors,
        TarpitDelay = TimeSpan.FromMilliseconds(connector.TarpitIntervalMilliseconds),
        IdleTimeout = TimeSpan.FromSeconds(connector.IdleTimeoutSeconds),
        ConnectionTimeout = TimeSpan.FromSeconds(connector.ConnectionTimeoutSeconds),
        CommandTimeout = TimeSpan.FromSeconds(connector.CommandTimeoutSeconds),
        MinDataRate = connector.MinDataRateBytesPerSecond,
        DataRateGrace = TimeSpan.FromSeconds(connector.DataRateGraceSeconds),
        PreGreetingChecks = connector.PreGreetingChecks,
        GreetPause = TimeSpan.FromMilliseconds(connector.GreetPauseMilliseconds),
        BareLineEndings = connector.BareLineEndings,
        MaxHopCount = connector.MaxHopCount,
        MaxLocalHopCount = connector.MaxLocalHopCount,
        SenderAuthentication = connector.SenderAuthentication,
        ProtocolLogging = connector.ProtocolLogging != ProtocolLoggingLevel.None,
        MaxInboundConnections = connector.MaxInboundConnections,
        MaxInboundConnectionsPerSource = connector.MaxInboundConnectionsPerSource,
        RemoteIpRanges = [.. connector.RemoteIpRanges.Where(r => !string.IsNullOrWhiteSpace(r)).Select(IpRange.Parse)],
        CertificateId = connector.CertificateId,
    };
}
