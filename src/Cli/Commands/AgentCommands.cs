using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow agent list|set|reset</c>: the transport agents every message passes (Get-/Set-TransportAgent).</summary>
internal static class AgentCommands
{
    private const string Path = "transport-agents";

    private static readonly Column[] Columns =
    [
        Column.Of("PRIORITY", "priority"),
        new("AGENT", item => Column.Text(item["agent"]?["name"])),
        new("WHAT", item => Column.Text(item["agent"]?["displayName"])),
        new("EVENTS", item => Column.Text(item["agent"]?["events"])),
        Column.Of("ENABLED", "enabled"),
        Column.Of("OFF ON", "disabledOnConnectorNames"),
        Column.Of("TIMEOUT MS", "timeoutMilliseconds"),
        Column.Of("ON FAILURE", "failurePolicy"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("agent", "Transport agents: the checks every message passes, in order");

        var list = new Command("list", "List the transport agents in the order they run");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No transport agents."));

        var name = new Argument<string>("agent") { Description = "The agent's name, as 'agent list' shows it (e.g. SubmissionHeaders)" };
        var enabled = new Option<bool?>("--enabled") { Description = "Turn the agent on or off for the organization (true/false)" };
        var priority = new Option<int?>("--priority") { Description = "Position in the pipeline: lower runs first" };
        var timeout = new Option<int?>("--timeout-ms") { Description = "Time limit per event in milliseconds" };
        var failure = new Option<string?>("--failure-policy") { Description = "FailOpen (let mail through) or TempFail (451, the client retries) when the agent fails or times out" };
        var disableOn = new Option<string[]>("--disable-on") { Description = "A receive connector the agent does not run on. Repeatable", Arity = ArgumentArity.ZeroOrMore };
        var enableOn = new Option<string[]>("--enable-on") { Description = "Run the agent on this receive connector again. Repeatable", Arity = ArgumentArity.ZeroOrMore };

        var set = new Command("set", "Change an agent's settings (the ones not given stay as they are)") { name, enabled, priority, timeout, failure, disableOn, enableOn };
        context.Handle(set, async (parse, client, output, ct) =>
        {
            var agent = parse.GetValue(name)!;
            var current = await client.SendAsync(HttpMethod.Get, $"{Path}/{Uri.EscapeDataString(agent)}", null, null, ct);
            var view = current.Body!;
            var offOn = view["disabledOnConnectorNames"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
            offOn.AddRange(parse.GetValue(disableOn) ?? []);
            offOn.RemoveAll(c => (parse.GetValue(enableOn) ?? []).Contains(c, StringComparer.OrdinalIgnoreCase));
            var body = new JsonObject
            {
                ["enabled"] = parse.GetValue(enabled) ?? view["enabled"]!.GetValue<bool>(),
                ["priority"] = parse.GetValue(priority) ?? (view["hasSettings"]!.GetValue<bool>() ? view["priority"]!.GetValue<int>() : null),
                ["timeoutMilliseconds"] = parse.GetValue(timeout) ?? (view["hasSettings"]!.GetValue<bool>() ? view["timeoutMilliseconds"]!.GetValue<int>() : null),
                ["failurePolicy"] = parse.GetValue(failure) ?? (view["hasSettings"]!.GetValue<bool>() ? view["failurePolicy"]!.GetValue<string>() : null),
                ["disabledOnConnectors"] = new JsonArray([.. offOn.Distinct(StringComparer.OrdinalIgnoreCase).Select(c => (JsonNode)c)]),
            };
            var saved = await client.SendAsync(HttpMethod.Put, $"{Path}/{Uri.EscapeDataString(agent)}", body, current.ETag, ct);
            output.Message($"Saved the settings of {Column.Text(saved.Body?["agent"]?["displayName"])}.");
            output.Details(saved.Body);
        });

        var reset = new Command("reset", "Forget an agent's settings: it runs with its defaults again") { name };
        context.Handle(reset, async (parse, client, output, ct) =>
        {
            var agent = parse.GetValue(name)!;
            var current = await client.SendAsync(HttpMethod.Get, $"{Path}/{Uri.EscapeDataString(agent)}", null, null, ct);
            await client.SendAsync(HttpMethod.Delete, $"{Path}/{Uri.EscapeDataString(agent)}", null, current.ETag, ct);
            output.Message($"{agent} runs with its default settings again.");
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(set);
        command.Subcommands.Add(reset);
        return command;
    }
}
