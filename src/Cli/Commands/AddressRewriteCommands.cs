using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow address-rewrite list|show|add|set|remove</c>: address rewriting entries.</summary>
internal static class AddressRewriteCommands
{
    private const string Path = "address-rewrites";
    private const string Key = "name";
    private const string Noun = "address rewriting entry";

    private static readonly Column[] Columns =
    [
        Column.Of("NAME", "name"), Column.Of("ENABLED", "enabled"), Column.Of("INTERNAL", "internalAddress"), Column.Of("EXTERNAL", "externalAddress"),
        Column.Of("OUTBOUND ONLY", "outboundOnly"), Column.Of("EXCEPTIONS", "exceptionList"),
    ];

    private sealed record Options(Option<string?> Internal, Option<string?> External, Option<string?> Exceptions, Option<bool?> OutboundOnly, Option<bool?> Enabled)
    {
        public IEnumerable<Option> All => [Internal, External, Exceptions, OutboundOnly, Enabled];

        public void Apply(JsonObject body, ParseResult parse)
        {
            if (parse.GetValue(Internal) is { } i) body["internalAddress"] = i;
            if (parse.GetValue(External) is { } e) body["externalAddress"] = e;
            if (parse.GetValue(Exceptions) is { } x) body["exceptionList"] = Fields.List(x);
            if (parse.GetValue(OutboundOnly) is { } o) body["outboundOnly"] = o;
            if (parse.GetValue(Enabled) is { } en) body["enabled"] = en;
        }
    }

    public static Command Create(CliContext context)
    {
        var command = new Command("address-rewrite", "Address rewriting: internal addresses or domains carry an external form outside the organization, and mail to it comes back");
        var name = new Argument<string>("name") { Description = "The entry's name (or id)" };
        Options NewOptions() => new(
            new("--internal") { Description = "What is rewritten: kim@corp.contoso.com, corp.contoso.com or *.contoso.com" },
            new("--external") { Description = "What it becomes: an address for an address, a domain for a domain" },
            new("--exceptions") { Description = "Comma-separated addresses, domains or *.subdomains under the internal side that stay as they are" },
            new("--outbound-only") { Description = "true: mail to the external address is not rewritten back (required for *.domain)" },
            new("--enabled") { Description = "true or false" });

        var list = new Command("list", "List address rewriting entries");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No address rewriting entries."));

        var show = new Command("show", "Show one address rewriting entry") { name };
        context.Handle(show, async (parse, client, output, ct) => output.Details(await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct)));

        var addOptions = NewOptions();
        var add = new Command("add", "Add an entry, e.g. add Corp --internal corp.contoso.com --external contoso.com") { name };
        foreach (var option in addOptions.All)
            add.Options.Add(option);
        context.Handle(add, async (parse, client, output, ct) =>
        {
            var body = new JsonObject { ["name"] = parse.GetValue(name) };
            addOptions.Apply(body, parse);
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Added {Column.Text(created.Body?[Key])}: {Column.Text(created.Body?["internalAddress"])} → {Column.Text(created.Body?["externalAddress"])}.");
            output.Details(created.Body);
        });

        var setOptions = NewOptions();
        var change = new Command("set", "Change an address rewriting entry") { name };
        foreach (var option in setOptions.All)
            change.Options.Add(option);
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(name)!, Noun, body => setOptions.Apply(body, parse), ct);
            output.Message($"Saved {Column.Text(saved?[Key])}.");
            output.Details(saved);
        });

        var remove = new Command("remove", "Remove an address rewriting entry") { name };
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
