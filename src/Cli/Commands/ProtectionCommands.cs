using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary>
/// <c>mailflow ip-list list|add|remove</c> (the connection filter's IP allow and block lists),
/// <c>mailflow dnsbl list|add|remove</c> (DNS block list zones) and <c>mailflow protection show|set</c>
/// (every protection setting: DNS block lists, Rspamd, ClamAV).
/// </summary>
internal static class ProtectionCommands
{
    private const string ListPath = "ip-lists";
    private const string SettingsPath = "protection-settings";

    private static readonly Column[] ListColumns =
    [
        Column.Of("LIST", "list"), Column.Of("RANGE", "range"), Column.Of("EXPIRES", "expiresAt"), Column.Of("COMMENT", "comment"),
    ];

    private static readonly Column[] ZoneColumns =
    [
        Column.Of("ZONE", "zone"), Column.Of("ENABLED", "enabled"), Column.Of("WEIGHT", "weight"), Column.Of("RETURN CODES", "returnCodes"),
    ];

    public static IEnumerable<Command> Create(CliContext context) => [IpList(context), Dnsbl(context), Protection(context)];

    private static Command IpList(CliContext context)
    {
        var command = new Command("ip-list", "Connection filtering: the IP allow list (skips every block list) and the IP block list (refused at connect)");

        var list = new Command("list", "List allow and block list entries");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(ListPath, ct), ListColumns, "The IP lists are empty."));

        var range = new Argument<string>("range") { Description = "An address (203.0.113.9, 2001:db8::1) or CIDR range (203.0.113.0/24)" };
        var allow = new Option<bool>("--allow") { Description = "Put it on the allow list (default: the block list)" };
        var comment = new Option<string?>("--comment") { Description = "Why it is there" };
        var expires = new Option<string?>("--expires") { Description = "When it stops applying: a duration from now (2h, 7d) or a UTC time (2027-01-31T00:00Z)" };
        var add = new Command("add", "Add an address or range to the block list (or, with --allow, the allow list)") { range, allow, comment, expires };
        context.Handle(add, async (parse, client, output, ct) =>
        {
            var body = new JsonObject
            {
                ["list"] = parse.GetValue(allow) ? "Allow" : "Block",
                ["range"] = parse.GetValue(range),
                ["comment"] = parse.GetValue(comment),
            };
            if (parse.GetValue(expires) is { } e)
                body["expiresAt"] = ParseExpiry(e).ToString("O", CultureInfo.InvariantCulture);
            var created = await client.SendAsync(HttpMethod.Post, ListPath, body, null, ct);
            output.Message($"Added {Column.Text(created.Body?["range"])} to the {Column.Text(created.Body?["list"]).ToLowerInvariant()} list.");
            output.Details(created.Body);
        });

        var fromList = new Option<string?>("--list") { Description = "Allow or Block, when the range is on both lists" };
        var remove = new Command("remove", "Remove an address or range from the lists") { range, fromList };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            var wanted = parse.GetValue(range)!.Trim();
            var which = parse.GetValue(fromList);
            var entries = (await client.GetAsync(ListPath, ct) as JsonArray ?? []).OfType<JsonObject>()
                .Where(e => string.Equals(Column.Text(e["range"]), wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(Column.Text(e["id"]), wanted, StringComparison.OrdinalIgnoreCase))
                .Where(e => which is null || string.Equals(Column.Text(e["list"]), which, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (entries.Count == 0)
                throw new CliException($"{wanted} is not on {(which is null ? "either list" : $"the {which.ToLowerInvariant()} list")}.");
            if (entries.Count > 1)
                throw new CliException($"{wanted} is on both lists: say which with --list Allow or --list Block.");
            var id = Column.Text(entries[0]["id"]);
            var current = await client.SendAsync(HttpMethod.Get, $"{ListPath}/{id}", null, null, ct);
            await client.SendAsync(HttpMethod.Delete, $"{ListPath}/{id}", null, current.ETag, ct);
            output.Message($"Removed {wanted} from the {Column.Text(entries[0]["list"]).ToLowerInvariant()} list.");
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        return command;
    }

    private static Command Dnsbl(CliContext context)
    {
        var command = new Command("dnsbl", "Connection filtering: DNS block list zones (where and how they count: mailflow protection set)");

        var list = new Command("list", "List the DNS block list zones");
        context.Handle(list, async (_, client, output, ct) =>
            output.Table((await client.GetAsync(SettingsPath, ct))?["connectionFilter"]?["zones"], ZoneColumns, "No DNS block list is configured."));

        var zone = new Argument<string>("zone") { Description = "The zone, e.g. zen.spamhaus.org" };
        var weight = new Option<int?>("--weight") { Description = "How much a listing counts toward the threshold (default 1)" };
        var codes = new Option<string?>("--return-codes") { Description = "Comma-separated answers that count, e.g. 127.0.0.2,127.0.0.4-127.0.0.7 (default: any 127.0.0.0/8)" };
        var add = new Command("add", "Add a DNS block list zone (or change its weight and codes)") { zone, weight, codes };
        context.Handle(add, async (parse, client, output, ct) =>
        {
            await ChangeZonesAsync(client, ct, zones =>
            {
                var name = parse.GetValue(zone)!.Trim();
                var existing = zones.OfType<JsonObject>().FirstOrDefault(z => string.Equals(Column.Text(z["zone"]), name, StringComparison.OrdinalIgnoreCase));
                if (existing is null)
                    zones.Add(existing = new JsonObject { ["zone"] = name, ["enabled"] = true, ["weight"] = 1, ["returnCodes"] = new JsonArray() });
                if (parse.GetValue(weight) is { } w) existing["weight"] = w;
                if (parse.GetValue(codes) is { } c) existing["returnCodes"] = Fields.List(c);
            });
            output.Message($"Saved DNS block list {parse.GetValue(zone)}.");
        });

        var remove = new Command("remove", "Remove a DNS block list zone") { zone };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            var name = parse.GetValue(zone)!.Trim();
            await ChangeZonesAsync(client, ct, zones =>
            {
                var existing = zones.OfType<JsonObject>().FirstOrDefault(z => string.Equals(Column.Text(z["zone"]), name, StringComparison.OrdinalIgnoreCase))
                               ?? throw new CliException($"There is no DNS block list '{name}'.");
                zones.Remove(existing);
            });
            output.Message($"Removed DNS block list {name}.");
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        return command;
    }

    private static Command Protection(CliContext context)
    {
        var command = new Command("protection", "Protection settings: DNS block lists, anti-spam (Rspamd), anti-malware (ClamAV), rate limits");

        var show = new Command("show", "Show the protection settings");
        context.Handle(show, async (_, client, output, ct) => output.Details(await client.GetAsync(SettingsPath, ct)));

        var set = Fields.SetOption();
        set.Description = "Set a field as Section.Field=Value, e.g. ConnectionFilter.CheckAt=Connect, AntiSpam.Enabled=true, AntiMalware.ClamdAddress=tcp:127.0.0.1:3310, RateLimits.SenderRecipientsPerHour=100. Repeatable";
        var change = new Command("set", "Change protection settings") { set };
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var current = await client.SendAsync(HttpMethod.Get, SettingsPath, null, null, ct);
            var body = current.Body!.AsObject();
            foreach (var assignment in parse.GetValue(set) ?? [])
            {
                var equals = assignment.IndexOf('=');
                var dot = assignment.IndexOf('.');
                if (equals <= 0 || dot <= 0 || dot > equals)
                    throw new CliException($"--set {assignment}: write it as Section.Field=Value, e.g. AntiSpam.Enabled=true.");
                var sectionName = assignment[..dot].Trim();
                var key = body.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, sectionName, StringComparison.OrdinalIgnoreCase))
                          ?? throw new CliException($"--set {assignment}: there is no section '{sectionName}' (ConnectionFilter, AntiSpam, AntiMalware, SenderFilter, RateLimits).");
                Fields.Set(body[key]!.AsObject(), assignment[(dot + 1)..equals].Trim(), Fields.ParseValue(assignment[(equals + 1)..]));
            }
            var saved = await client.SendAsync(HttpMethod.Put, SettingsPath, body, current.ETag, ct);
            output.Message("Protection settings saved.");
            output.Details(saved.Body);
        });

        command.Subcommands.Add(show);
        command.Subcommands.Add(change);
        return command;
    }

    private static async Task ChangeZonesAsync(ApiClient client, CancellationToken cancellationToken, Action<JsonArray> change)
    {
        var current = await client.SendAsync(HttpMethod.Get, SettingsPath, null, null, cancellationToken);
        var body = current.Body!.AsObject();
        var filter = body["connectionFilter"]!.AsObject();
        if (filter["zones"] is not JsonArray zones)
            filter["zones"] = zones = [];
        change(zones);
        await client.SendAsync(HttpMethod.Put, SettingsPath, body, current.ETag, cancellationToken);
    }

    /// <summary>"2h", "7d", "30m" from now, or an ISO 8601 time.</summary>
    private static DateTimeOffset ParseExpiry(string text)
    {
        var t = text.Trim();
        if (t.Length >= 2 && int.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            TimeSpan? span = char.ToLowerInvariant(t[^1]) switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (span is { } s)
                return DateTimeOffset.UtcNow + s;
        }
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at;
        throw new CliException($"--expires {text}: write a duration (30m, 2h, 7d) or a UTC time (2027-01-31T00:00Z).");
    }
}
