using System.CommandLine;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow settings show|set</c>: organization settings.</summary>
internal static class SettingsCommands
{
    private const string Path = "organization-settings";

    public static Command Create(CliContext context)
    {
        var command = new Command("settings", "Organization settings: name, retry and expiry timers, default limits");

        var show = new Command("show", "Show the organization settings");
        context.Handle(show, async (_, client, output, ct) => output.Details(await client.GetAsync(Path, ct)));

        var organizationName = new Option<string?>("--organization-name") { Description = "The organization's name" };
        var maxReceive = new Option<string?>("--max-receive-size") { Description = "e.g. 36MB" };
        var maxSend = new Option<string?>("--max-send-size") { Description = "e.g. 35MB" };
        var arcSealing = new Option<bool?>("--arc-sealing") { Description = "Seal messages Mailflow changed or forwarded with ARC (true/false)" };
        var dmarcReports = new Option<bool?>("--dmarc-reports") { Description = "Send daily DMARC aggregate reports (true/false)" };
        var maxHops = new Option<int?>("--max-hop-count") { Description = "Received header fields a message without a receive connector may carry before it is bounced as a loop (default 30)" };
        var maxLocalHops = new Option<int?>("--max-local-hop-count") { Description = "... of which written by our own host names (default 8)" };
        var mailboxQuota = new Option<string?>("--default-mailbox-quota") { Description = "Size limit of Maildir mailboxes without their own, e.g. 2GB; 0 = none" };
        var quotaWarning = new Option<int?>("--mailbox-quota-warning") { Description = "Percent of its quota from which a mailbox shows as nearly full (default 90)" };
        var oauthIssuer = new Option<string?>("--oauth-issuer") { Description = "OpenID Connect issuer whose access tokens AUTH OAUTHBEARER/XOAUTH2 accept (https URL as in 'iss'); \"\" = OAuth off" };
        var oauthAudience = new Option<string?>("--oauth-audience") { Description = "The 'aud' tokens for Mailflow carry" };
        var oauthClaim = new Option<string?>("--oauth-address-claim") { Description = "Claim with the user's address: email (default), preferred_username or upn" };
        var oauthSkew = new Option<int?>("--oauth-clock-skew") { Description = "Seconds of clock skew allowed for exp/nbf (default 300)" };
        var journalNdrTo = new Option<string?>("--journal-report-ndr-to") { Description = "Where undeliverable journal reports go (Exchange's JournalingReportNdrTo); \"\" = dropped" };
        var moderationReply = new Option<string?>("--moderation-reply-address") { Description = "Mailbox moderators reply to with Approve/Reject to decide held messages; \"\" = off" };

        var pickup = new Option<bool?>("--pickup") { Description = "Submit .eml files dropped into the pickup directory (true/false)" };
        var pickupPath = new Option<string?>("--pickup-path") { Description = "The pickup directory (relative paths under the data directory); \"\" = <data directory>/pickup" };
        var pickupMaxSize = new Option<string?>("--pickup-max-size") { Description = "Larger pickup files go to badmail, e.g. 10MB" };
        var pickupRate = new Option<int?>("--pickup-rate") { Description = "Pickup files submitted per minute at most (default 100)" };
        var set = Fields.SetOption();
        var change = new Command("set", "Change organization settings, e.g. set --set MessageExpirationTimeoutSeconds=86400")
        {
            organizationName, maxReceive, maxSend, arcSealing, dmarcReports, maxHops, maxLocalHops, mailboxQuota, quotaWarning,
            oauthIssuer, oauthAudience, oauthClaim, oauthSkew, journalNdrTo, moderationReply,
            pickup, pickupPath, pickupMaxSize, pickupRate, set,
        };
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var current = await client.SendAsync(HttpMethod.Get, Path, null, null, ct);
            var body = current.Body!.AsObject();
            if (parse.GetValue(organizationName) is { } name) body["organizationName"] = name;
            if (parse.GetValue(maxReceive) is { } receive) body["maxReceiveSizeBytes"] = Fields.ParseSize(receive);
            if (parse.GetValue(maxSend) is { } send) body["maxSendSizeBytes"] = Fields.ParseSize(send);
            if (parse.GetValue(arcSealing) is { } arc) body["arcSealingEnabled"] = arc;
            if (parse.GetValue(dmarcReports) is { } reports) body["dmarcReportsEnabled"] = reports;
            if (parse.GetValue(maxHops) is { } hops) body["maxHopCount"] = hops;
            if (parse.GetValue(maxLocalHops) is { } localHops) body["maxLocalHopCount"] = localHops;
            if (parse.GetValue(mailboxQuota) is { } quota) body["defaultMailboxQuotaBytes"] = Fields.ParseSize(quota);
            if (parse.GetValue(quotaWarning) is { } warning) body["mailboxQuotaWarningPercent"] = warning;
            if (parse.GetValue(oauthIssuer) is { } issuer) body["oAuthIssuer"] = issuer;
            if (parse.GetValue(oauthAudience) is { } audience) body["oAuthAudience"] = audience;
            if (parse.GetValue(oauthClaim) is { } claim) body["oAuthAddressClaim"] = claim;
            if (parse.GetValue(oauthSkew) is { } skew) body["oAuthClockSkewSeconds"] = skew;
            if (parse.GetValue(journalNdrTo) is { } ndrTo) body["journalingReportNdrTo"] = ndrTo;
            if (parse.GetValue(moderationReply) is { } replyAddress) body["moderationReplyAddress"] = replyAddress;

            if (parse.GetValue(pickup) is { } pickupOn) body["pickupEnabled"] = pickupOn;
            if (parse.GetValue(pickupPath) is { } path) body["pickupDirectoryPath"] = path.Length == 0 ? null : path;
            if (parse.GetValue(pickupMaxSize) is { } pickupSize) body["pickupMaxMessageSizeBytes"] = Fields.ParseSize(pickupSize);
            if (parse.GetValue(pickupRate) is { } rate) body["pickupMaxFilesPerMinute"] = rate;
            Fields.ApplySets(body, parse.GetValue(set));
            var saved = await client.SendAsync(HttpMethod.Put, Path, body, current.ETag, ct);
            output.Message("Organization settings saved.");
            output.Details(saved.Body);
        });

        command.Subcommands.Add(show);
        command.Subcommands.Add(change);
        return command;
    }
}
