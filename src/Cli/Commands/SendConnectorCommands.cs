using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow send-connector list|show|add|set|remove</c>. The smart-host password is write-only.</summary>
internal static class SendConnectorCommands
{
    private const string Path = "send-connectors";
    private const string Key = "name";
    private const string Noun = "send connector";

    private static readonly Column[] Columns =
    [
        Column.Of("NAME", "name"), Column.Of("ENABLED", "enabled"),
        new("ADDRESS SPACES", i => string.Join(", ", (i["addressSpaces"] as JsonArray ?? []).Select(s => Column.Text(s?["domain"])))),
        Column.Of("ROUTING", "routingMethod"), Column.Of("SMART HOSTS", "smartHosts"), Column.Of("TLS", "tlsPolicy"), Column.Of("MTA-STS", "mtaSts"), Column.Of("DANE", "dane"),
    ];

    private sealed record Options(
        Option<bool?> Enabled, Option<string?> AddressSpaces, Option<string?> Routing, Option<string?> SmartHosts, Option<string?> Authentication,
        Option<string?> Username, Option<string?> Password, Option<string?> TlsPolicy, Option<string?> MtaSts, Option<bool?> Dane, Option<int?> Port, Option<string?> MaxSize, Option<string[]> Set)
    {
        public IEnumerable<Option> All => [Enabled, AddressSpaces, Routing, SmartHosts, Authentication, Username, Password, TlsPolicy, MtaSts, Dane, Port, MaxSize, Set];

        public void Apply(JsonObject body, ParseResult parse)
        {
            if (parse.GetValue(Enabled) is { } e) body["enabled"] = e;
            if (parse.GetValue(AddressSpaces) is { } spaces)
                body["addressSpaces"] = new JsonArray([.. spaces.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(d => (JsonNode?)new JsonObject { ["domain"] = d, ["cost"] = 1 })]);
            if (parse.GetValue(Routing) is { } r) body["routingMethod"] = r;
            if (parse.GetValue(SmartHosts) is { } hosts) body["smartHosts"] = Fields.List(hosts);
            if (parse.GetValue(Authentication) is { } a) body["smartHostAuthentication"] = a;
            if (parse.GetValue(Username) is { } u) body["smartHostUsername"] = u;
            if (parse.GetValue(Password) is { } p) body["smartHostPassword"] = p;
            if (parse.GetValue(TlsPolicy) is { } t) body["tlsPolicy"] = t;
            if (parse.GetValue(MtaSts) is { } sts) body["mtaSts"] = sts;
            if (parse.GetValue(Dane) is { } dane) body["dane"] = dane;
            if (parse.GetValue(Port) is { } port) body["port"] = port;
            if (parse.GetValue(MaxSize) is { } size) body["maxMessageSizeBytes"] = Fields.ParseSize(size);
            Fields.ApplySets(body, parse.GetValue(Set));
        }
    }

    public static Command Create(CliContext context)
    {
        var command = new Command("send-connector", "Send connectors: which next hop mail for which domains leaves through");
        var name = new Argument<string>("name") { Description = "The connector's name (or id)" };
        Options NewOptions() => new(
            new("--enabled") { Description = "true or false" },
            new("--address-spaces") { Description = "Comma-separated: *, contoso.com, *.contoso.com (cost 1; use --set for costs)" },
            new("--routing") { Description = "DnsMx or SmartHost" },
            new("--smart-hosts") { Description = "Comma-separated host[:port]" },
            new("--auth") { Description = "Smart host authentication: None or Basic" },
            new("--username") { Description = "Smart host user name" },
            new("--password") { Description = "Smart host password (stored encrypted, never shown)" },
            new("--tls-policy") { Description = "Opportunistic, Required or RequiredWithCertificateValidation" },
            new("--mta-sts") { Description = "MTA-STS for MX delivery: Off, Testing (report only, the default) or Enforce" },
            new("--dane") { Description = "true or false: DANE (DNSSEC-validated TLSA records) for MX delivery; needs validating resolvers" },
            new("--port") { Description = "Port of the next hop (default 25)" },
            new("--max-message-size") { Description = "e.g. 35MB; 0 = unlimited" },
            Fields.SetOption());

        var list = new Command("list", "List send connectors");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No send connectors."));

        var show = new Command("show", "Show one send connector") { name };
        context.Handle(show, async (parse, client, output, ct) => output.Details(await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct)));

        var addOptions = NewOptions();
        var add = new Command("add", "Add a send connector, e.g. add Internet --address-spaces \"*\"") { name };
        foreach (var option in addOptions.All)
            add.Options.Add(option);
        context.Handle(add, async (parse, client, output, ct) =>
        {
            var body = new JsonObject { ["name"] = parse.GetValue(name) };
            addOptions.Apply(body, parse);
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Added {Column.Text(created.Body?[Key])}.");
            output.Details(created.Body);
        });

        var setOptions = NewOptions();
        var change = new Command("set", "Change a send connector") { name };
        foreach (var option in setOptions.All)
            change.Options.Add(option);
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(name)!, Noun, body => setOptions.Apply(body, parse), ct);
            output.Message($"Saved {Column.Text(saved?[Key])}.");
            output.Details(saved);
        });

        var remove = new Command("remove", "Remove a send connector") { name };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(name)}.");
        });

        foreach (var sub in new[] { list, show, add, change, remove })
            command.Subcommands.Add(sub);
        return command;
    }
}
