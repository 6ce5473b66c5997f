using System.CommandLine;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow queue list|retry|suspend|resume</c>: the delivery queues (one per next hop).</summary>
internal static class QueueCommands
{
    private static readonly Column[] Columns =
    [
        Column.Of("QUEUE", "nextHopKey"), Column.Of("STATUS", "status"), Column.Of("MESSAGES", "messageCount"),
        Column.Of("RECIPIENTS", "recipientCount"), new("NEXT RETRY (UTC)", i => Output.Time(i["nextRetryAt"])), Column.Of("LAST ERROR", "lastError"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("queue", "Delivery queues (one per next hop)");
        var list = new Command("list", "List the delivery queues");
        context.Handle(list, async (_, client, output, ct) =>
            output.Table(await client.GetAsync("queues", ct), Columns, "The queues are empty."));
        command.Subcommands.Add(list);

        foreach (var (verb, description) in new[] { ("retry", "Retry every waiting recipient of a queue now"), ("suspend", "Suspend delivery to a queue"), ("resume", "Resume delivery to a suspended queue") })
        {
            var queue = new Argument<string>("queue") { Description = "The queue (next hop key, as 'queue list' shows it)" };
            var action = new Command(verb, description) { queue };
            context.Handle(action, async (parse, client, output, ct) =>
            {
                var key = parse.GetValue(queue)!;
                var result = (await client.SendAsync(HttpMethod.Post, $"queues/{verb}/{Uri.EscapeDataString(key)}", null, null, ct)).Body;
                if (output.Json)
                    output.Raw(result);
                else
                    output.Message(verb == "suspend" ? $"Suspended {key}." : $"{char.ToUpperInvariant(verb[0])}{verb[1..]}: {Column.Text(result?["changed"])} recipient(s) in {key}.");
            });
            command.Subcommands.Add(action);
        }
        return command;
    }
}
