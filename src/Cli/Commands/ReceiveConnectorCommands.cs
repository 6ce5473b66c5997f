using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow receive-connector list|show|set|copy|remove</c>.</summary>
internal static class ReceiveConnectorCommands
{
    private const string Path = "receive-connectors";
    private const string Key = "name";
    private const string Noun = "receive connector";

    private static readonly Column[] Columns =
    [
        Column.Of("NAME", "name"), Column.Of("ENABLED", "enabled"),
        new("BINDINGS", i => string.Join(", ", (i["bindings"] as JsonArray ?? []).Select(b => $"{Column.Text(b?["address"])}:{Column.Text(b?["port"])}"))),
        Column.Of("PERMISSIONS", "permissionGroups"), Column.Of("TLS", "tlsMode"),
        new("MAX SIZE", i => Fields.Size(i["maxMessageSizeBytes"])),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("receive-connector", "Receive connectors: who may connect where, and what they may do");
        var name = new Argument<string>("name") { Description = "The connector's name (or id)" };

        var list = new Command("list", "List receive connectors");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No receive connectors."));

        var show = new Command("show", "Show one receive connector") { name };
        context.Handle(show, async (parse, client, output, ct) => output.Details(await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct)));

        var enabled = new Option<bool?>("--enabled") { Description = "true or false" };
        var maxSize = new Option<string?>("--max-message-size") { Description = "e.g. 50MB" };
        var maxRecipients = new Option<int?>("--max-recipients") { Description = "Recipients per message" };
        var bindings = new Option<string?>("--bindings") { Description = "Comma-separated address:port, e.g. 0.0.0.0:25,[::]:25" };
        var remoteRanges = new Option<string?>("--remote-ip-ranges") { Description = "Comma-separated CIDR/IP/ranges; empty = everyone" };
        var fqdn = new Option<string?>("--fqdn") { Description = "Name in the banner and EHLO" };
        var banner = new Option<string?>("--banner") { Description = "Text after 220 fqdn" };
        var tlsMode = new Option<string?>("--tls-mode") { Description = "None, StartTls or ImplicitTls" };
        var requireTls = new Option<bool?>("--require-tls") { Description = "Refuse MAIL until TLS is active" };
        var permissions = new Option<string?>("--permission-groups") { Description = "e.g. \"AnonymousUsers, AuthenticatedUsers\"" };
        var authMechanisms = new Option<string?>("--auth-mechanisms") { Description = "e.g. \"Tls, BasicAuth, BasicAuthRequireTls, OAuth\" (OAuth: AUTH OAUTHBEARER/XOAUTH2 after TLS)" };
        var senderAuthentication = new Option<string?>("--sender-authentication") { Description = "SPF/DKIM/DMARC for anonymous senders: Off, EvaluateAndTag or Enforce" };
        var commandTimeout = new Option<int?>("--command-timeout") { Description = "Seconds a started command line may take to complete (default 300)" };
        var minDataRate = new Option<int?>("--min-data-rate") { Description = "Least DATA/BDAT bytes per second after the grace period; 0 = off (default 500)" };
        var dataRateGrace = new Option<int?>("--data-rate-grace") { Description = "Seconds before the minimum data rate applies (default 30)" };
        var preGreeting = new Option<bool?>("--pre-greeting-checks") { Description = "Hold the banner and refuse clients that talk first or pipeline unasked: true or false" };
        var greetPause = new Option<int?>("--greet-pause") { Description = "Milliseconds the banner is held with pre-greeting checks (0-10000, default 6000)" };
        var maxHops = new Option<int?>("--max-hop-count") { Description = "Received header fields a message may arrive with before it is refused as a loop (554 5.4.6; default 30)" };
        var maxLocalHops = new Option<int?>("--max-local-hop-count") { Description = "... of which written by our own host names (default 8)" };
        var certificate = new Option<string?>("--certificate") { Description = "The stored TLS certificate to present (name or id; see 'certificate list'), or 'default' for the node certificate" };
        var set = Fields.SetOption();
        var change = new Command("set", "Change a receive connector, e.g. set \"Default Frontend\" --max-message-size 50MB")
        {
            name, enabled, maxSize, maxRecipients, bindings, remoteRanges, fqdn, banner, tlsMode, requireTls, permissions, authMechanisms, senderAuthentication,
            commandTimeout, minDataRate, dataRateGrace, preGreeting, greetPause, maxHops, maxLocalHops, certificate, set,
        };
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var certificateId = parse.GetValue(certificate) is { } wanted
                ? (Assign: true, Id: await CertificateCommands.ResolveAssignmentAsync(client, wanted, ct))
                : (Assign: false, Id: null);
            var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(name)!, Noun, body =>
            {
                if (parse.GetValue(enabled) is { } e) body["enabled"] = e;
                if (parse.GetValue(maxSize) is { } size) body["maxMessageSizeBytes"] = Fields.ParseSize(size);
                if (parse.GetValue(maxRecipients) is { } r) body["maxRecipientsPerMessage"] = r;
                if (parse.GetValue(bindings) is { } b) body["bindings"] = ParseBindings(b);
                if (parse.GetValue(remoteRanges) is { } ranges) body["remoteIpRanges"] = Fields.List(ranges);
                if (parse.GetValue(fqdn) is { } f) body["fqdn"] = f;
                if (parse.GetValue(banner) is { } text) body["banner"] = text;
                if (parse.GetValue(tlsMode) is { } mode) body["tlsMode"] = mode;
                if (parse.GetValue(requireTls) is { } require) body["requireTls"] = require;
                if (parse.GetValue(permissions) is { } groups) body["permissionGroups"] = groups;
                if (parse.GetValue(authMechanisms) is { } mechanisms) body["authMechanisms"] = mechanisms;
                if (parse.GetValue(senderAuthentication) is { } authentication) body["senderAuthentication"] = authentication;
                if (parse.GetValue(commandTimeout) is { } seconds) body["commandTimeoutSeconds"] = seconds;
                if (parse.GetValue(minDataRate) is { } rate) body["minDataRateBytesPerSecond"] = rate;
                if (parse.GetValue(dataRateGrace) is { } grace) body["dataRateGraceSeconds"] = grace;
                if (parse.GetValue(preGreeting) is { } checks) body["preGreetingChecks"] = checks;
                if (parse.GetValue(greetPause) is { } pause) body["greetPauseMilliseconds"] = pause;
                if (parse.GetValue(maxHops) is { } hops) body["maxHopCount"] = hops;
                if (parse.GetValue(maxLocalHops) is { } localHops) body["maxLocalHopCount"] = localHops;
                if (certificateId.Assign) body["certificateId"] = certificateId.Id;
                Fields.ApplySets(body, parse.GetValue(set));
            }, ct);
            output.Message($"Saved {Column.Text(saved?[Key])}.");
            output.Details(saved);
        });

        var newName = new Argument<string>("new-name") { Description = "The copy's name" };
        var copy = new Command("copy", "Copy a receive connector under a new name (the copy starts disabled)") { name, newName };
        context.Handle(copy, async (parse, client, output, ct) =>
        {
            var source = await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            var created = await client.SendAsync(HttpMethod.Post, $"{Path}/{Column.Text(source["id"])}/copy", new JsonObject { ["name"] = parse.GetValue(newName) }, null, ct);
            output.Message($"Copied to {Column.Text(created.Body?[Key])} (disabled: change its bindings, then enable it).");
            output.Details(created.Body);
        });

        var remove = new Command("remove", "Remove a receive connector") { name };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(name)}.");
        });

        foreach (var sub in new[] { list, show, change, copy, remove })
            command.Subcommands.Add(sub);
        return command;
    }

    private static JsonArray ParseBindings(string text)
    {
        var result = new JsonArray();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(item[(colon + 1)..], out var port))
                throw new CliException($"--bindings: '{item}' is not address:port (e.g. 0.0.0.0:25 or [::]:25).");
            result.Add(new JsonObject { ["address"] = item[..colon].Trim('[', ']'), ["port"] = port });
        }
        return result;
    }
}
