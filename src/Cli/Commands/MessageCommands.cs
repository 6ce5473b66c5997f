using System.CommandLine;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow message list|show|retry|suspend|resume|release|remove|export</c>: the messages in the queue.</summary>
internal static class MessageCommands
{
    private static readonly Column[] Columns =
    [
        Column.Of("QUEUE ID", "queueId"), Column.Of("STATE", "state"), Column.Of("SENDER", "sender"), Column.Of("SUBJECT", "subject"),
        Column.Of("RECIPIENTS", "recipientCount"), Column.Of("SIZE", "size"), new("RECEIVED (UTC)", i => Output.Time(i["receivedAt"])),
    ];

    private static readonly Column[] RecipientColumns =
    [
        Column.Of("RECIPIENT", "address"), Column.Of("STATUS", "status"), Column.Of("QUEUE", "nextHopKey"),
        Column.Of("ATTEMPTS", "attemptCount"), Column.Of("LAST RESPONSE", "lastResponse"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("message", "Messages in the queue");

        var queue = new Option<string?>("--queue") { Description = "Only messages with a recipient in this queue (next hop key)" };
        var sender = new Option<string?>("--sender") { Description = "Sender contains" };
        var recipient = new Option<string?>("--recipient") { Description = "A recipient contains" };
        var state = new Option<string?>("--state") { Description = "Submitted, Categorized, Suspended, Quarantined, …" };
        var subject = new Option<string?>("--subject") { Description = "Subject contains" };
        var page = new Option<int>("--page") { Description = "Page (from 1)", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Messages per page", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List queued messages, newest first") { queue, sender, recipient, state, subject, page, pageSize };
        context.Handle(list, async (parse, client, output, ct) =>
        {
            var query = new List<string> { $"page={parse.GetValue(page)}", $"pageSize={parse.GetValue(pageSize)}" };
            Add(query, "queue", parse.GetValue(queue));
            Add(query, "sender", parse.GetValue(sender));
            Add(query, "recipient", parse.GetValue(recipient));
            Add(query, "state", parse.GetValue(state));
            Add(query, "subject", parse.GetValue(subject));
            var result = await client.GetAsync("messages?" + string.Join('&', query), ct);
            if (output.Json)
            {
                output.Raw(result);
                return;
            }
            output.Table(result["messages"], Columns, "No messages match.");
            output.Message($"{Column.Text(result["totalCount"])} messages in all.");
        });
        command.Subcommands.Add(list);

        var showId = QueueIdArgument();
        var show = new Command("show", "One message: envelope, recipients and its trace") { showId };
        context.Handle(show, async (parse, client, output, ct) =>
        {
            var details = await client.GetAsync("messages/" + Uri.EscapeDataString(parse.GetValue(showId)!), ct);
            if (output.Json)
            {
                output.Raw(details);
                return;
            }
            var message = details["message"]!.AsObject().DeepClone().AsObject();
            var recipients = message["recipients"];
            message.Remove("recipients");
            output.Details(message);
            output.Message("");
            output.Table(recipients, RecipientColumns, "No recipients.");
            output.Message("");
            output.Table(details["events"], TraceCommands.Columns, "No tracking events.");
        });
        command.Subcommands.Add(show);

        foreach (var (verb, description) in new[]
                 {
                     ("retry", "Retry a waiting message now"), ("suspend", "Suspend a message"),
                     ("resume", "Resume a suspended message"), ("release", "Release a message from quarantine"),
                 })
        {
            var id = QueueIdArgument();
            var action = new Command(verb, description) { id };
            context.Handle(action, async (parse, client, output, ct) =>
            {
                var result = (await client.SendAsync(HttpMethod.Post, $"messages/{Uri.EscapeDataString(parse.GetValue(id)!)}/{verb}", null, null, ct)).Body;
                var changed = result?["changed"]?.GetValue<int>() ?? 0;
                if (changed == 0)
                    throw new CliException($"{parse.GetValue(id)} was not changed: it is not in the queue, or not in a state '{verb}' applies to.");
                if (output.Json)
                    output.Raw(result);
                else
                    output.Message($"{Past(verb)} {parse.GetValue(id)}.");
            });
            command.Subcommands.Add(action);
        }

        var removeId = QueueIdArgument();
        var ndr = new Option<bool>("--ndr") { Description = "Send the sender an NDR for the recipients not yet delivered" };
        var remove = new Command("remove", "Remove a message from the queue") { removeId, ndr };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            var withNdr = parse.GetValue(ndr);
            var result = (await client.SendAsync(HttpMethod.Delete, $"messages/{Uri.EscapeDataString(parse.GetValue(removeId)!)}?ndr={(withNdr ? "true" : "false")}", null, null, ct)).Body;
            if (output.Json)
                output.Raw(result);
            else
                output.Message($"Removed {parse.GetValue(removeId)}{(withNdr ? " and sent the sender an NDR" : "")}.");
        });
        command.Subcommands.Add(remove);

        var exportId = QueueIdArgument();
        var file = new Option<string?>("--output", "-o") { Description = "Write the .eml to this file (default: standard output)" };
        var export = new Command("export", "The stored message as .eml (mailflow message export ID > message.eml)") { exportId, file };
        context.Handle(export, async (parse, client, output, ct) =>
        {
            var bytes = await client.GetBytesAsync($"messages/{Uri.EscapeDataString(parse.GetValue(exportId)!)}/export", ct);
            if (parse.GetValue(file) is { } path)
                await File.WriteAllBytesAsync(path, bytes, ct);
            else
            {
                // Messages are 7bit or 8bit text; Latin-1 maps every byte to one char, so nothing is altered on the way out.
                await output.Writer.WriteAsync(System.Text.Encoding.Latin1.GetString(bytes));
                await output.Writer.FlushAsync(ct);
            }
        });
        command.Subcommands.Add(export);
        return command;
    }

    private static Argument<string> QueueIdArgument() => new("queue-id") { Description = "The message's queue id" };

    private static string Past(string verb) => verb switch
    {
        "retry" => "Retrying",
        "suspend" => "Suspended",
        "resume" => "Resumed",
        "release" => "Released",
        _ => verb,
    };

    internal static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
            query.Add(name + "=" + Uri.EscapeDataString(value));
    }
}
