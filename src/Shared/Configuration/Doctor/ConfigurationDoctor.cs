using System.Globalization;
using System.Net.Sockets;
using System.Numerics;
using Mailflow.Net;

namespace Mailflow.Configuration.Doctor;

/// <summary>
/// Looks at one configuration snapshot for settings that are valid one by one but dangerous or
/// surprising together. Pure: it reads only the <see cref="TransportConfig"/> it is given, so the
/// doctor page, the save paths and the tests all ask the same question the same way.
/// </summary>
public static class ConfigurationDoctor
{
    public const string ReceiveConnectorsPath = "mail-flow/receive-connectors";
    public const string SendConnectorsPath = "mail-flow/send-connectors";
    public const string AcceptedDomainsPath = "mail-flow/accepted-domains";
    public const string SettingsPath = "settings";
    public const string RulesPath = "mail-flow/rules";
    public const string TlsCertificatesPath = "settings/tls-certificates";

    /// <summary>A rule's own editor page, under <see cref="RulesPath"/>.</summary>
    public static string RulePath(Guid ruleId) => $"{RulesPath}/{ruleId}";

    /// <summary>Relay ranges wider than this many addresses (an IPv4 /16) admit far more hosts than a set of trusted servers.</summary>
    private static readonly BigInteger WidestTrustedIpv4Range = BigInteger.Pow(2, 16);
    /// <summary>IPv6 equivalent: a /48 is one site's whole allocation.</summary>
    private static readonly BigInteger WidestTrustedIpv6Range = BigInteger.Pow(2, 80);

    /// <param name="time">The clock certificate expiry is judged against.</param>
    /// <param name="nodeFqdn">The name this node announces for connectors without their own FQDN; empty = not known, such connectors' names are not checked.</param>
    public static IReadOnlyList<DoctorWarning> Examine(TransportConfig config, TimeProvider time, string nodeFqdn = "")
    {
        var now = time.GetUtcNow();
        var warnings = new List<DoctorWarning>();
        var receive = config.ReceiveConnectors.Where(c => c.Enabled).ToList();
        var send = config.SendConnectors.Where(c => c.Enabled).ToList();
        warnings.AddRange(receive.SelectMany(OpenRelay));
        warnings.AddRange(receive.SelectMany(AuthWithoutTls));
        warnings.AddRange(receive.SelectMany(c => OAuthWithoutIssuer(c, config.Organization)));
        warnings.AddRange(ModerationReplyAddressUnknown(config));
        foreach (var (connector, certificate) in PresentedCertificates(config, receive))
        {
            warnings.AddRange(CertificateExpiring(connector, certificate, now));
            warnings.AddRange(CertificateNameMismatch(connector, certificate, nodeFqdn));
        }
        warnings.AddRange(OverlappingRemoteRanges(receive));
        warnings.AddRange(ShadowedAddressSpaces(send));
        warnings.AddRange(UnreachableRelayDomains(config.AcceptedDomains, send));
        warnings.AddRange(SizeLimits(config.Organization, receive, send));
        var rules = config.TransportRules.Where(r => r.Enabled).ToList();
        warnings.AddRange(rules.SelectMany(r => RuleConnectorMissing(r, config.SendConnectors)));
        warnings.AddRange(rules.SelectMany(r => RuleGroupsMissing(r, config)));
        return [.. warnings.OrderByDescending(w => w.Severity).ThenBy(w => w.Check, StringComparer.Ordinal).ThenBy(w => w.Subject, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Anonymous clients may relay when the connector grants RelayToAnyDomain without authentication
    /// (the TrustedRelayServers group). That is only safe for a short list of known servers.
    /// </summary>
    private static IEnumerable<DoctorWarning> OpenRelay(ReceiveConnector connector)
    {
        if (!ReceivePermissions.RightsFor(connector.PermissionGroups, authenticated: false).HasFlag(ReceiveRights.RelayToAnyDomain))
            yield break;
        var ranges = ParseRanges(connector.RemoteIpRanges);
        var broad = ranges.Where(IsBroad).Select(r => r.Text).ToList();
        if (ranges.Count == 0)
            broad.Add("every address (no remote IP ranges set)");
        if (broad.Count == 0)
            yield break;
        yield return new DoctorWarning(DoctorSeverity.Critical, "open-relay", connector.Name,
            $"{connector.Name} makes Mailflow an open relay",
            $"This connector lets unauthenticated clients relay to any domain, and it admits {string.Join(", ", broad)}. "
            + "Spammers who find it will send their mail through you and get your addresses block-listed. "
            + "Limit its remote IP ranges to the servers you trust (each at most a /16), or remove the Trusted relay servers permission group.",
            ReceiveConnectorsPath);
    }

    private static bool IsBroad(IpRange range) =>
        range.Size > (range.Family == AddressFamily.InterNetworkV6 ? WidestTrustedIpv6Range : WidestTrustedIpv4Range);

    /// <summary>RFC 4954 section 4: clear-text mechanisms (PLAIN, LOGIN) must not be used without TLS.</summary>
    private static IEnumerable<DoctorWarning> AuthWithoutTls(ReceiveConnector connector)
    {
        var basic = connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.BasicAuth);
        var requireTls = connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.BasicAuthRequireTls);
        if (basic && !requireTls && connector.TlsMode == ConnectorTlsMode.None)
            yield return new DoctorWarning(DoctorSeverity.Critical, "auth-without-tls", connector.Name,
                $"{connector.Name} accepts passwords without encryption",
                "Basic authentication is offered but the connector has no TLS, so user names and passwords cross the network in clear text "
                + "(RFC 4954 section 4). Turn on STARTTLS or implicit TLS and require TLS for basic authentication.",
                ReceiveConnectorsPath);
    }

    /// <summary>A connector that offers OAuth while no issuer is configured refuses every token.</summary>
    private static IEnumerable<DoctorWarning> OAuthWithoutIssuer(ReceiveConnector connector, OrganizationSettings settings)
    {
        if (connector.Enabled && connector.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.OAuth) && string.IsNullOrWhiteSpace(settings.OAuthIssuer))
            yield return new DoctorWarning(DoctorSeverity.Warning, "oauth-without-issuer", connector.Name,
                $"{connector.Name} offers OAuth, but no issuer is set",
                "The connector advertises AUTH OAUTHBEARER and XOAUTH2, but the organization settings name no OpenID Connect issuer, "
                + "so every token is refused. Set the issuer and audience under Organization settings, OAuth.",
                SettingsPath);
    }

    /// <summary>Replies to a moderation reply address nobody receives are refused at RCPT: moderators could not decide by reply.</summary>
    private static IEnumerable<DoctorWarning> ModerationReplyAddressUnknown(TransportConfig config)
    {
        var address = config.Organization.ModerationReplyAddress;
        if (address.Length > 0 && config.FindRecipient(address) is not { Kind: RecipientKind.Mailbox })
            yield return new DoctorWarning(DoctorSeverity.Warning, "moderation-reply-address-unknown", address,
                $"The moderation reply address {address} is not a mailbox",
                "Approval requests ask moderators to reply to this address, but no mailbox has it, so their replies are refused and decide nothing. "
                + "Create a mailbox with this address (it keeps a copy of every decision) or change the address.",
                SettingsPath);
    }

    /// <summary>The stored certificate each TLS-offering connector presents (connectors on the node default are the node's business, not the store's).</summary>
    private static IEnumerable<(ReceiveConnector Connector, TlsCertificate Certificate)> PresentedCertificates(TransportConfig config, List<ReceiveConnector> connectors) =>
        connectors
            .Where(c => c.TlsMode != ConnectorTlsMode.None && c.CertificateId is not null)
            .Select(c => (Connector: c, Certificate: config.Certificates.GetValueOrDefault(c.CertificateId!.Value)))
            .Where(p => p.Certificate is not null)
            .Select(p => (p.Connector, p.Certificate!));

    /// <summary>
    /// An expired certificate fails every client that verifies it (RFC 5280 section 6.1.3 checks
    /// the validity period); servers doing opportunistic TLS (RFC 7435) may fall back to clear text.
    /// The import refuses expired certificates, but stored ones keep ageing.
    /// </summary>
    private static IEnumerable<DoctorWarning> CertificateExpiring(ReceiveConnector connector, TlsCertificate certificate, DateTimeOffset now)
    {
        var expiry = certificate.ExpiryAt(now);
        if (expiry == CertificateExpiry.Expired)
            yield return new DoctorWarning(DoctorSeverity.Critical, "certificate-expired", connector.Name,
                $"{connector.Name} presents the expired certificate {certificate.Name}",
                $"The certificate {certificate.Name} expired on {certificate.NotAfter:yyyy-MM-dd}. Clients that check certificates refuse the TLS handshake "
                + "with this connector, and sending servers may fall back to unencrypted delivery or give up. "
                + $"Upload a renewed certificate and pick it in {connector.Name}'s editor.",
                TlsCertificatesPath);
        else if (expiry == CertificateExpiry.ExpiringSoon)
        {
            var days = Math.Max(0, (int)Math.Floor((certificate.NotAfter - now).TotalDays));
            yield return new DoctorWarning(DoctorSeverity.Warning, "certificate-expiring", connector.Name,
                $"The certificate {certificate.Name} on {connector.Name} expires in {days.ToString(CultureInfo.InvariantCulture)} day{(days == 1 ? "" : "s")}",
                $"{connector.Name} presents {certificate.Name}, which expires on {certificate.NotAfter:yyyy-MM-dd}. After that, clients that check certificates "
                + $"refuse it. Upload a renewed certificate and pick it in {connector.Name}'s editor before then.",
                TlsCertificatesPath);
        }
    }

    /// <summary>
    /// A client that verifies the server's identity compares the name it connected to with the
    /// certificate's names (RFC 6125 section 6.4; RFC 7817 section 3 for SMTP submission). Mailflow
    /// can only know the name the connector announces in its banner and EHLO, which clients are
    /// normally configured with too.
    /// </summary>
    private static IEnumerable<DoctorWarning> CertificateNameMismatch(ReceiveConnector connector, TlsCertificate certificate, string nodeFqdn)
    {
        var ownName = !string.IsNullOrWhiteSpace(connector.Fqdn);
        var announced = ownName ? connector.Fqdn.Trim() : nodeFqdn.Trim();
        if (announced.Length == 0 || CertificateNameMatching.Covers(certificate, announced))
            yield break;
        var names = CertificateNameMatching.PresentedNames(certificate);
        yield return new DoctorWarning(DoctorSeverity.Warning, "certificate-name-mismatch", connector.Name,
            $"{connector.Name}'s certificate {certificate.Name} does not name {announced}",
            $"{connector.Name} announces itself as {announced}{(ownName ? "" : " (the node's FQDN)")}, but its certificate {certificate.Name} is for "
            + $"{(names.Count == 0 ? "no host name at all" : string.Join(", ", names))}. Clients that verify the server's name refuse the TLS handshake. "
            + $"Pick a certificate that covers {announced}, or set the connector's FQDN to a name the certificate covers.",
            ReceiveConnectorsPath);
    }

    /// <summary>
    /// The receive engine picks the connector whose matching range is smallest. Nested ranges are the
    /// intended pattern; identical ranges (a tie) and partly overlapping ranges are not: which
    /// connector a client gets then depends on its exact address or on the connectors' order.
    /// </summary>
    private static IEnumerable<DoctorWarning> OverlappingRemoteRanges(List<ReceiveConnector> connectors)
    {
        for (var i = 0; i < connectors.Count; i++)
        {
            for (var j = i + 1; j < connectors.Count; j++)
            {
                var a = connectors[i];
                var b = connectors[j];
                if (!ShareBinding(a, b))
                    continue;
                foreach (var ra in ParseRanges(a.RemoteIpRanges))
                {
                    foreach (var rb in ParseRanges(b.RemoteIpRanges))
                    {
                        if (!ra.Overlaps(rb))
                            continue;
                        if (ra.Equals(rb))
                            yield return new DoctorWarning(DoctorSeverity.Warning, "overlapping-ranges", $"{a.Name} / {b.Name}",
                                $"{a.Name} and {b.Name} claim the same clients",
                                $"Both connectors listen on the same address and port and both list {ra.Text}. Clients in that range get "
                                + $"whichever connector comes first ({a.Name}), with its permissions. Give each connector its own range.",
                                ReceiveConnectorsPath);
                        else if (!ra.Covers(rb) && !rb.Covers(ra))
                            yield return new DoctorWarning(DoctorSeverity.Warning, "overlapping-ranges", $"{a.Name} / {b.Name}",
                                $"{a.Name} and {b.Name} have partly overlapping ranges",
                                $"{ra.Text} ({a.Name}) and {rb.Text} ({b.Name}) overlap without one containing the other. Mailflow picks the "
                                + "connector with the smallest matching range, so clients in the overlap may get a different connector than you expect. "
                                + "Make one range contain the other, or split them.",
                                ReceiveConnectorsPath);
                    }
                }
            }
        }
    }

    private static bool ShareBinding(ReceiveConnector a, ReceiveConnector b) =>
        a.Bindings.Any(x => b.Bindings.Any(y => x.Port == y.Port && (x.Address == y.Address || IsWildcard(x.Address) || IsWildcard(y.Address))));

    private static bool IsWildcard(string address) => address is "0.0.0.0" or "::" or "*" or "";

    /// <summary>
    /// Routing prefers the most specific address space over a lower cost (NextHopResolver), so an
    /// address space with a more specific one on another connector does not get that part of the mail.
    /// The plain "*" catch-all under specific domains is the normal design and is not reported.
    /// </summary>
    private static IEnumerable<DoctorWarning> ShadowedAddressSpaces(List<SendConnector> connectors)
    {
        foreach (var broad in connectors)
        {
            foreach (var specific in connectors.Where(c => c.Id != broad.Id))
            {
                foreach (var wide in broad.AddressSpaces)
                {
                    foreach (var narrow in specific.AddressSpaces)
                    {
                        var wideDomain = Normalize(wide.Domain);
                        var narrowDomain = Normalize(narrow.Domain);
                        if (wideDomain == narrowDomain || !IsMoreSpecific(narrowDomain, wideDomain))
                            continue;
                        var costInverted = wide.Cost < narrow.Cost;
                        if (wideDomain == "*" && !costInverted)
                            continue;
                        yield return new DoctorWarning(DoctorSeverity.Info, "shadowed-address-space", broad.Name,
                            $"Part of {broad.Name}'s {wideDomain} goes through {specific.Name}",
                            $"{specific.Name} has the more specific address space {narrowDomain}, so mail for it goes through {specific.Name}, not {broad.Name}"
                            + (costInverted
                                ? $", even though {broad.Name}'s cost ({wide.Cost.ToString(CultureInfo.InvariantCulture)}) is lower: a more specific match always beats a lower cost."
                                : ".")
                            + " If that is not what you meant, remove or widen one of the address spaces.",
                            SendConnectorsPath);
                    }
                }
            }
        }
    }

    /// <summary>Whether <paramref name="narrow"/> (a domain or *.parent) lies strictly inside <paramref name="wide"/>.</summary>
    private static bool IsMoreSpecific(string narrow, string wide)
    {
        var probe = narrow.StartsWith("*.", StringComparison.Ordinal) ? narrow[2..] : narrow;
        var wideMatch = AddressSpaceRules.MatchSpecificity(wide, probe);
        var narrowMatch = AddressSpaceRules.MatchSpecificity(narrow, probe);
        return wideMatch >= 0 && narrowMatch > wideMatch;
    }

    /// <summary>Relay domains are delivered by send connectors; with none covering them, mail waits in Unreachable until it expires.</summary>
    private static IEnumerable<DoctorWarning> UnreachableRelayDomains(IEnumerable<AcceptedDomain> domains, List<SendConnector> connectors)
    {
        foreach (var domain in domains.Where(d => d.Type != AcceptedDomainType.Authoritative))
        {
            var reached = connectors.Any(c => c.AddressSpaces.Any(s => AddressSpaceRules.MatchSpecificity(Normalize(s.Domain), domain.DomainName) >= 0));
            if (!reached)
                yield return new DoctorWarning(DoctorSeverity.Warning, "unreachable-domain", domain.DomainName,
                    $"No send connector reaches {domain.DomainName}",
                    $"{domain.DomainName} is a relay domain, so Mailflow passes its mail on through a send connector, but no enabled send connector's "
                    + "address spaces cover it. Its mail would sit in the Unreachable queue until it expires. Add the domain (or *) to a send connector.",
                    SendConnectorsPath);
        }
    }

    /// <summary>The smallest limit on the path wins; limits that disagree bounce mail the admin thought was allowed.</summary>
    private static IEnumerable<DoctorWarning> SizeLimits(OrganizationSettings organization, List<ReceiveConnector> receive, List<SendConnector> send)
    {
        foreach (var connector in receive.Where(c => c.MaxMessageSizeBytes > organization.MaxReceiveSizeBytes))
            yield return new DoctorWarning(DoctorSeverity.Info, "size-limits", connector.Name,
                $"{connector.Name} allows larger messages than the organization",
                $"The connector accepts messages up to {Megabytes(connector.MaxMessageSizeBytes)}, but the organization's receive limit is "
                + $"{Megabytes(organization.MaxReceiveSizeBytes)}; the smaller limit applies. Align the two so the connector's setting means what it says.",
                SettingsPath);
        // 0 on a send connector means no limit of its own (SmtpDeliveryAgent).
        foreach (var connector in send.Where(c => c.MaxMessageSizeBytes > 0 && c.MaxMessageSizeBytes < organization.MaxSendSizeBytes))
            yield return new DoctorWarning(DoctorSeverity.Warning, "size-limits", connector.Name,
                $"{connector.Name} cannot send messages the organization allows",
                $"The organization lets users send up to {Megabytes(organization.MaxSendSizeBytes)}, but this send connector takes at most "
                + $"{Megabytes(connector.MaxMessageSizeBytes)}. Larger messages routed through it bounce with a non-delivery report.",
                SendConnectorsPath);
    }

    /// <summary>
    /// The rule service checks the connector name when the rule is saved, but the connector can be renamed,
    /// turned off or removed afterwards; routing then sends the rule's matches to Unreachable (NextHopResolver).
    /// </summary>
    private static IEnumerable<DoctorWarning> RuleConnectorMissing(TransportRule rule, IReadOnlyList<SendConnector> connectors)
    {
        if (rule.Mode != RuleMode.Enforce)
            yield break;
        foreach (var action in rule.Definition.Actions.Where(a => a.Kind == "RouteThroughConnector"))
        {
            var name = (action.Arguments.GetValueOrDefault("Connector") ?? "").Trim();
            var connector = connectors.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (connector is { Enabled: true })
                continue;
            var state = connector is null ? "there is no send connector with that name any more" : "that connector is turned off";
            yield return new DoctorWarning(DoctorSeverity.Warning, "rule-missing-connector", rule.Name,
                $"{rule.Name} routes mail through a send connector that cannot take it",
                $"The rule routes matching messages through the send connector '{name}', but {state}. Those messages wait in the "
                + "Unreachable queue until they expire. Point the rule at an enabled connector, or turn the connector back on.",
                RulePath(rule.Id));
        }
    }

    /// <summary>A removed distribution group leaves the rule's "recipient is a member of" condition with nothing to match.</summary>
    private static IEnumerable<DoctorWarning> RuleGroupsMissing(TransportRule rule, TransportConfig config)
    {
        var predicates = rule.Definition.Conditions.Select(p => (Predicate: p, Part: "condition"))
            .Concat(rule.Definition.Exceptions.Select(p => (Predicate: p, Part: "exception")))
            .Where(p => p.Predicate.Kind == "AnyRecipientMemberOf");
        foreach (var (predicate, part) in predicates)
        {
            var missing = predicate.Values.Count(v => !Guid.TryParse(v, out var id) || config.FindRecipient(id) is not { Kind: RecipientKind.DistributionGroup });
            if (missing == 0)
                continue;
            var effect = part == "condition"
                ? missing == predicate.Values.Count ? "so the rule never matches" : "so the rule matches fewer messages than it was written for"
                : "so the exception spares fewer messages than it was written for";
            yield return new DoctorWarning(DoctorSeverity.Warning, "rule-missing-group", rule.Name,
                $"{rule.Name} refers to a distribution group that no longer exists",
                $"The rule's {part} \"a recipient is a member of\" names {(missing == 1 ? "a group" : $"{missing} groups")} that were removed, {effect}. "
                + "Choose existing groups in the rule, or remove the condition.",
                RulePath(rule.Id));
        }
    }

    private static string Megabytes(long bytes) => $"{(bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture)} MB";

    private static string Normalize(string addressSpace) => addressSpace.Trim().ToLowerInvariant();

    private static List<IpRange> ParseRanges(IEnumerable<string> ranges) =>
        [.. ranges.Select(r => IpRange.TryParse(r, out var range, out _) ? range : null).OfType<IpRange>()];
}
