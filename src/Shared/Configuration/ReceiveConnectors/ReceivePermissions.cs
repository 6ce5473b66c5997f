namespace Mailflow.Configuration;

/// <summary>
/// The rights each permission group grants, after Exchange's receive connector permission groups
/// (OfficeDocs-Exchange "Receive connector permission groups"). One table so the receive engine,
/// the what-if tester and the configuration doctor agree.
/// </summary>
public static class ReceivePermissions
{
    /// <param name="groups">The connector's permission groups.</param>
    /// <param name="authenticated">Whether the session has authenticated (AUTH succeeded).</param>
    public static ReceiveRights RightsFor(ReceivePermissionGroups groups, bool authenticated)
    {
        var rights = ReceiveRights.None;
        if (groups.HasFlag(ReceivePermissionGroups.AnonymousUsers) || groups.HasFlag(ReceivePermissionGroups.Partners))
            rights |= ReceiveRights.SubmitToAcceptedDomains;
        // Authenticated users (ExchangeUsers): submit, relay, bypass anti-spam. The sender address
        // check still applies unless the mailbox has send-as rights.
        if (authenticated && groups.HasFlag(ReceivePermissionGroups.AuthenticatedUsers))
            rights |= ReceiveRights.SubmitToAcceptedDomains | ReceiveRights.RelayToAnyDomain | ReceiveRights.BypassAntiSpam;
        // Trusted relay servers (Exchange's "anonymous relay" connector): every client this connector
        // admits by its remote IP ranges may relay. Only safe with narrow ranges — the doctor warns.
        if (groups.HasFlag(ReceivePermissionGroups.TrustedRelayServers))
            rights |= ReceiveRights.SubmitToAcceptedDomains | ReceiveRights.RelayToAnyDomain | ReceiveRights.AcceptAnySender
                      | ReceiveRights.BypassAntiSpam | ReceiveRights.BypassMessageSizeLimit;
        return rights;
    }
}
