using System.CommandLine;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow node list</c>: the nodes sharing the store and the configuration generation each runs.</summary>
internal static class NodeCommands
{
    private static readonly Column[] Columns =
    [
        Column.Of("NODE", "name"), Column.Of("ADDRESS", "address"),
        new("LAST HEARTBEAT (UTC)", i => Output.Time(i["lastHeartbeat"])),
        Column.Of("GENERATION", "activeGeneration"), Column.Of("LATEST", "latestGeneration"), Column.Of("UP TO DATE", "upToDate"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("node", "Nodes sharing this store");
        var list = new Command("list", "List nodes with the configuration generation each runs");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync("nodes", ct), Columns, "No nodes have registered."));
        command.Subcommands.Add(list);
        return command;
    }
}
