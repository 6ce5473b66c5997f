using System.CommandLine;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow node list|drain|resume</c>: the nodes sharing the store (configuration generation, drain state, restarts), and maintenance mode.</summary>
internal static class NodeCommands
{
    private static readonly Column[] Columns =
    [
        Column.Of("NODE", "name"), Column.Of("ADDRESS", "address"),
        new("LAST HEARTBEAT (UTC)", i => Output.Time(i["lastHeartbeat"])),
        Column.Of("GENERATION", "activeGeneration"), Column.Of("LATEST", "latestGeneration"), Column.Of("UP TO DATE", "upToDate"),
        Column.Of("STATE", "drainState"), Column.Of("RESTARTS", "restarts"),
    ];

    private static Command DrainCommand(CliContext context, string verb, string description)
    {
        var name = new Argument<string>("name") { Description = "The node's name (mailflow node list)" };
        var command = new Command(verb, description) { name };
        context.Handle(command, async (parse, client, output, ct) =>
        {
            var node = (await client.SendAsync(HttpMethod.Post, $"nodes/{Uri.EscapeDataString(parse.GetValue(name)!)}/{verb}", null, null, ct)).Body;
            output.Message(verb == "drain"
                ? $"Node {node?["name"]} is asked to drain (now {node?["drainState"]}); 'mailflow node list' shows Drained when it is done."
                : $"Node {node?["name"]} is asked to resume (now {node?["drainState"]}).");
        });
        return command;
    }

    public static Command Create(CliContext context)
    {
        var command = new Command("node", "Nodes sharing this store");
        var list = new Command("list", "List nodes with the configuration generation each runs");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync("nodes", ct), Columns, "No nodes have registered."));
        command.Subcommands.Add(list);
        command.Subcommands.Add(DrainCommand(context, "drain", "Drain a node (maintenance mode): refuse new SMTP sessions, finish deliveries in flight, hand the rest to the other nodes"));
        command.Subcommands.Add(DrainCommand(context, "resume", "Take a node out of draining: accept SMTP sessions and claim work again"));
        return command;
    }
}
