using System.CommandLine;
using System.Text.Json.Nodes;

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

        var listFilter = new MessageFilterOptions();
        var page = new Option<int>("--page") { Description = "Page (from 1)", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Messages per page", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List queued messages, newest first") { page, pageSize };
        listFilter.AddTo(list);
        context.Handle(list, async (parse, client, output, ct) =>
        {
            var query = new List<string> { $"page={parse.GetValue(page)}", $"pageSize={parse.GetValue(pageSize)}" };
            query.AddRange(listFilter.Query(parse));
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

        var countFilter = new MessageFilterOptions();
        var count = new Command("count", "How many queued messages match the filter (what an action on everything matching would consider)");
        countFilter.AddTo(count);
        context.Handle(count, async (parse, client, output, ct) =>
        {
            var result = await client.GetAsync("messages/count?" + string.Join('&', countFilter.Query(parse)), ct);
            if (output.Json)
                output.Raw(result);
            else
                output.Message($"{Column.Text(result["count"])} messages match ({Column.Text(result["filter"])}).");
        });
        command.Subcommands.Add(count);

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
            var id = OptionalQueueIdArgument();
            var filter = new MessageFilterOptions();
            var all = AllOption();
            var action = new Command(verb, description + "; or, without a queue id, every message matching the filter options (or --all)") { id, all };
            filter.AddTo(action);
            context.Handle(action, async (parse, client, output, ct) =>
            {
                if (parse.GetValue(id) is not { Length: > 0 } queueId)
                {
                    await ApplyToMatchingAsync(parse, client, output, verb, filter, all, ndr: false, ct);
                    return;
                }
                RefuseFilterWithId(parse, filter, all);
                var result = (await client.SendAsync(HttpMethod.Post, $"messages/{Uri.EscapeDataString(queueId)}/{verb}", null, null, ct)).Body;
                var changed = result?["changed"]?.GetValue<int>() ?? 0;
                if (changed == 0)
                    throw new CliException($"{queueId} was not changed: it is not in the queue, or not in a state '{verb}' applies to.");
                if (output.Json)
                    output.Raw(result);
                else
                    output.Message($"{Past(verb)} {queueId}.");
            });
            command.Subcommands.Add(action);
        }

        var removeId = OptionalQueueIdArgument();
        var removeFilter = new MessageFilterOptions();
        var removeAll = AllOption();
        var ndr = new Option<bool>("--ndr") { Description = "Send the sender an NDR for the recipients not yet delivered" };
        var remove = new Command("remove", "Remove a message from the queue; or, without a queue id, every message matching the filter options (or --all)") { removeId, ndr, removeAll };
        removeFilter.AddTo(remove);
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            var withNdr = parse.GetValue(ndr);
            if (parse.GetValue(removeId) is not { Length: > 0 } queueId)
            {
                await ApplyToMatchingAsync(parse, client, output, "remove", removeFilter, removeAll, withNdr, ct);
                return;
            }
            RefuseFilterWithId(parse, removeFilter, removeAll);
            var result = (await client.SendAsync(HttpMethod.Delete, $"messages/{Uri.EscapeDataString(queueId)}?ndr={(withNdr ? "true" : "false")}", null, null, ct)).Body;
            if (output.Json)
                output.Raw(result);
            else
                output.Message($"Removed {queueId}{(withNdr ? " and sent the sender an NDR" : "")}.");
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

    private static Argument<string?> OptionalQueueIdArgument() =>
        new("queue-id") { Description = "The message's queue id; leave out to act on every message matching the filter options", Arity = ArgumentArity.ZeroOrOne };

    private static Option<bool> AllOption() =>
        new("--all") { Description = "Without a queue id or filter: act on every queued message (required, so a forgotten filter cannot empty the queue)" };

    private static void RefuseFilterWithId(ParseResult parse, MessageFilterOptions filter, Option<bool> all)
    {
        if (filter.Values(parse).Count > 0 || parse.GetValue(all))
            throw new CliException("Give either a queue id or filter options (or --all), not both.");
    }

    /// <summary>POST /messages/matching: one set-based, audited action on everything the filter selects.</summary>
    private static async Task ApplyToMatchingAsync(ParseResult parse, ApiClient client, Output output, string verb,
        MessageFilterOptions filter, Option<bool> all, bool ndr, CancellationToken ct)
    {
        var everything = parse.GetValue(all);
        if (filter.Values(parse).Count == 0 && !everything)
            throw new CliException($"Give a queue id, filter options (--sender, --recipient, --subject, --state, --queue, --received-from, --received-before), or --all to {verb} every queued message.");
        var body = new JsonObject { ["action"] = ActionName(verb), ["ndr"] = ndr, ["all"] = everything && filter.Values(parse).Count == 0 };
        filter.AddTo(body, parse);
        var result = (await client.SendAsync(HttpMethod.Post, "messages/matching", body, null, ct)).Body;
        if (output.Json)
            output.Raw(result);
        else
            output.Message($"{Past(verb)} {Column.Text(result?["changed"])} message(s) matching {Column.Text(result?["filter"])}{(ndr ? ", NDRs sent" : "")}.");
    }

    private static string ActionName(string verb) => char.ToUpperInvariant(verb[0]) + verb[1..];

    private static string Past(string verb) => verb switch
    {
        "retry" => "Retrying",
        "suspend" => "Suspended",
        "resume" => "Resumed",
        "release" => "Released",
        "remove" => "Removed",
        _ => verb,
    };

    internal static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
            query.Add(name + "=" + Uri.EscapeDataString(value));
    }
}
