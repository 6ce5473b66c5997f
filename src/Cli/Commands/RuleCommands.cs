using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow rule list|show|enable|disable|move|remove</c>: mail flow rules. Rules are written in the admin center or a configuration document.</summary>
internal static class RuleCommands
{
    private const string Path = "rules";
    private const string Key = "name";
    private const string Noun = "mail flow rule";

    private static readonly Column[] Columns =
    [
        Column.Of("PRIORITY", "priority"), Column.Of("NAME", "name"), Column.Of("ENABLED", "enabled"), Column.Of("MODE", "mode"),
        new("ACTIONS", i => string.Join(", ", (i["definition"]?["actions"] as JsonArray ?? []).Select(a => Column.Text(a?["kind"])))),
        Column.Of("HITS", "enforceHits"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("rule", "Mail flow rules, in priority order");
        var name = new Argument<string>("name") { Description = "The rule's name (or id)" };

        var list = new Command("list", "List rules in priority order");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No mail flow rules."));

        var show = new Command("show", "Show one rule") { name };
        context.Handle(show, async (parse, client, output, ct) => output.Details(await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct)));

        Command Toggle(string verb, bool enabled)
        {
            var toggle = new Command(verb, $"{(enabled ? "Enable" : "Disable")} a rule") { name };
            context.Handle(toggle, async (parse, client, output, ct) =>
            {
                var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(name)!, Noun, body => body["enabled"] = enabled, ct);
                output.Message($"{Column.Text(saved?[Key])} is {(enabled ? "enabled" : "disabled")}.");
                if (output.Json)
                    output.Raw(saved);
            });
            return toggle;
        }

        var priority = new Option<int>("--priority") { Description = "The new place: 0 = evaluated first", Required = true };
        var move = new Command("move", "Move a rule to another priority; the others are renumbered") { name, priority };
        context.Handle(move, async (parse, client, output, ct) =>
        {
            var found = await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            var moved = await client.SendAsync(HttpMethod.Post, $"{Path}/{Column.Text(found["id"])}/move", new JsonObject { ["priority"] = parse.GetValue(priority) }, null, ct);
            output.Message($"{Column.Text(moved.Body?[Key])} is now at priority {Column.Text(moved.Body?["priority"])}.");
            if (output.Json)
                output.Raw(moved.Body);
        });

        var remove = new Command("remove", "Remove a rule") { name };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(name)}.");
        });

        foreach (var sub in new[] { list, show, Toggle("enable", true), Toggle("disable", false), move, remove })
            command.Subcommands.Add(sub);
        return command;
    }
}
