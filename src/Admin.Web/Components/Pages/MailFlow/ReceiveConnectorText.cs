using Mailflow.Configuration;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>Plain-language labels and explanations for receive connector settings.</summary>
public static class ReceiveConnectorText
{
    public static readonly ReceivePermissionGroups[] Groups =
        [ReceivePermissionGroups.AnonymousUsers, ReceivePermissionGroups.AuthenticatedUsers, ReceivePermissionGroups.Partners, ReceivePermissionGroups.TrustedRelayServers];

    public static readonly ReceiveAuthMechanisms[] Mechanisms =
        [ReceiveAuthMechanisms.Tls, ReceiveAuthMechanisms.BasicAuth, ReceiveAuthMechanisms.BasicAuthRequireTls, ReceiveAuthMechanisms.OAuth, ReceiveAuthMechanisms.ExternallySecured];

    public static string Label(ReceivePermissionGroups group) => group switch
    {
        ReceivePermissionGroups.AnonymousUsers => "Anonymous users",
        ReceivePermissionGroups.AuthenticatedUsers => "Authenticated users",
        ReceivePermissionGroups.Partners => "Partners",
        ReceivePermissionGroups.TrustedRelayServers => "Trusted relay servers",
        _ => group.ToString(),
    };

    /// <summary>Who the group is, then what it may do — the rights come from <see cref="ReceivePermissions.RightsFor"/> so the text cannot drift from the engine.</summary>
    public static string Explanation(ReceivePermissionGroups group)
    {
        var who = group switch
        {
            ReceivePermissionGroups.AnonymousUsers => "Any client in the remote ranges, without signing in",
            ReceivePermissionGroups.AuthenticatedUsers => "Clients that sign in with a recipient's submission password",
            ReceivePermissionGroups.Partners => "Partner servers (secured by TLS)",
            ReceivePermissionGroups.TrustedRelayServers => "Every client in the remote ranges is trusted — keep the ranges narrow",
            _ => "",
        };
        return $"{who}: {Rights(ReceivePermissions.RightsFor(group, authenticated: true))}.";
    }

    public static string Rights(ReceiveRights rights)
    {
        if (rights == ReceiveRights.None)
            return "no rights";
        var parts = new List<string>();
        if (rights.HasFlag(ReceiveRights.SubmitToAcceptedDomains)) parts.Add("send to accepted domains");
        if (rights.HasFlag(ReceiveRights.RelayToAnyDomain)) parts.Add("relay to any domain");
        if (rights.HasFlag(ReceiveRights.AcceptAnySender)) parts.Add("use any sender address");
        if (rights.HasFlag(ReceiveRights.BypassAntiSpam)) parts.Add("skip anti-spam");
        if (rights.HasFlag(ReceiveRights.BypassMessageSizeLimit)) parts.Add("skip the size limit");
        return string.Join(", ", parts);
    }

    public static string Label(ReceiveAuthMechanisms mechanism) => mechanism switch
    {
        ReceiveAuthMechanisms.Tls => "TLS",
        ReceiveAuthMechanisms.BasicAuth => "Basic authentication",
        ReceiveAuthMechanisms.BasicAuthRequireTls => "Basic authentication only after TLS",
        ReceiveAuthMechanisms.OAuth => "OAuth (OAUTHBEARER, XOAUTH2)",
        ReceiveAuthMechanisms.ExternallySecured => "Externally secured",
        _ => mechanism.ToString(),
    };

    public static string Explanation(ReceiveAuthMechanisms mechanism) => mechanism switch
    {
        ReceiveAuthMechanisms.Tls => "Offer STARTTLS so clients can encrypt the session (RFC 3207).",
        ReceiveAuthMechanisms.BasicAuth => "Offer AUTH PLAIN and LOGIN with a recipient's submission password (RFC 4954).",
        ReceiveAuthMechanisms.BasicAuthRequireTls => "Offer AUTH only once the session is encrypted, so passwords never cross the network in clear.",
        ReceiveAuthMechanisms.OAuth => "Offer AUTH OAUTHBEARER and XOAUTH2 once the session is encrypted: an access token from the organization's OpenID Connect issuer (Organization settings, OAuth) signs in as the mailbox its address claim names.",
        ReceiveAuthMechanisms.ExternallySecured => "The network is secured outside SMTP (IPsec, a private link): sessions are treated as trusted.",
        _ => "",
    };

    public static string Label(ConnectorTlsMode mode) => mode switch
    {
        ConnectorTlsMode.None => "No TLS",
        ConnectorTlsMode.StartTls => "STARTTLS",
        ConnectorTlsMode.ImplicitTls => "Implicit TLS",
        _ => mode.ToString(),
    };

    public static string Explanation(ConnectorTlsMode mode) => mode switch
    {
        ConnectorTlsMode.None => "Plain SMTP only; STARTTLS is not offered.",
        ConnectorTlsMode.StartTls => "Clients connect in plain text and may upgrade with STARTTLS (port 25 and 587).",
        ConnectorTlsMode.ImplicitTls => "TLS starts before the greeting (RFC 8314, port 465).",
        _ => "",
    };

    public static string MechanismsSummary(ReceiveAuthMechanisms mechanisms) =>
        mechanisms == ReceiveAuthMechanisms.None ? "None" : string.Join(", ", Mechanisms.Where(m => mechanisms.HasFlag(m)).Select(Label));

    public static string GroupsSummary(ReceivePermissionGroups groups) =>
        groups == ReceivePermissionGroups.None ? "None" : string.Join(", ", Groups.Where(g => groups.HasFlag(g)).Select(Label));
}
