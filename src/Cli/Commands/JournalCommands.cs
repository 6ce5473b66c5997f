using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow journal list|show|add|set|remove</c>: journal rules (envelope journal reports to a journal address).</summary>
internal static class JournalCommands
{
    private const string Path = "journal-rules";
    private const string Key = "name";
    private const string Noun = "journal rule";

    private static readonly Column[] Columns =
    [
        Column.Of("NAME", "name"), Column.Of("ENABLED", "enabled"), Column.Of("SCOPE", "scope"), Column.Of("RECIPIENT", "recipient"),
        Column.Of("JOURNAL ADDRESS", "journalAddress"), Column.Of("ALTERNATE", "alternateJournalAddress"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("journal", "Journal rules: envelope journal reports of the messages in their scope");

        var list = new Command("list", "List journal rules");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No journal rules."));

        var name = new Argument<string>("name") { Description = "The rule's name (or id)" };
        var show = new Command("show", "Show one journal rule") { name };
        context.Handle(show, async (parse, client, output, ct) => output.Details(await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct)));

        var scope = new Option<string?>("--scope") { Description = "Global (default), Internal or External" };
        var recipient = new Option<string?>("--recipient") { Description = "Only messages for this address or group (empty = every recipient)" };
        var to = new Option<string?>("--journal-address") { Description = "Where the journal reports go" };
        var alternate = new Option<string?>("--alternate-address") { Description = "Where undeliverable journal reports go (empty = dropped)" };
        var enabled = new Option<bool?>("--enabled") { Description = "true or false" };

        void Apply(JsonObject body, System.CommandLine.ParseResult parse)
        {
            if (parse.GetValue(scope) is { } s)
                body["scope"] = s;
            if (parse.GetValue(recipient) is { } r)
                body["recipient"] = r.Length == 0 ? null : r;
            if (parse.GetValue(to) is { } t)
                body["journalAddress"] = t;
            if (parse.GetValue(alternate) is { } a)
                body["alternateJournalAddress"] = a.Length == 0 ? null : a;
            if (parse.GetValue(enabled) is { } e)
                body["enabled"] = e;
        }

        var add = new Command("add", "Add a journal rule") { name, scope, recipient, to, alternate, enabled };
        context.Handle(add, async (parse, client, output, ct) =>
        {
            var body = new JsonObject { [Key] = parse.GetValue(name), ["scope"] = "Global" };
            Apply(body, parse);
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Added {Column.Text(created.Body?[Key])}.");
            output.Details(created.Body);
        });

        var change = new Command("set", "Change a journal rule") { name, scope, recipient, to, alternate, enabled };
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(name)!, Noun, body => Apply(body, parse), ct);
            output.Message($"Saved {Column.Text(saved?[Key])}.");
            output.Details(saved);
        });

        var remove = new Command("remove", "Remove a journal rule") { name };
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
