using System.CommandLine;
using System.Globalization;

namespace Mailflow.Cli.Commands;

/// <summary>
/// <c>mailflow trace</c>: search message tracking; <c>mailflow trace show QUEUE-ID</c>: one message's timeline;
/// <c>mailflow trace refusals</c>: what receive sessions refused during the SMTP conversation.
/// </summary>
internal static class TraceCommands
{
    internal static readonly Column[] Columns =
    [
        new("WHEN (UTC)", i => Output.Time(i["time"])), Column.Of("EVENT", "kind"), Column.Of("QUEUE ID", "queueId"),
        Column.Of("SENDER", "sender"), Column.Of("RECIPIENTS", "recipients"), Column.Of("NEXT HOP", "nextHop"),
        Column.Of("REPLY", "reply"), Column.Of("DETAIL", "detail"),
    ];

    internal static readonly Column[] RefusalColumns =
    [
        new("WHEN (UTC)", i => Output.Time(i["time"])), Column.Of("CLIENT", "clientAddress"), Column.Of("HELO", "helo"),
        Column.Of("SENDER", "sender"), Column.Of("RECIPIENTS", "recipients"), Column.Of("AGENT", "agent"),
        Column.Of("REASON", "reason"), Column.Of("REPLY", "reply"), Column.Of("SESSION", "sessionId"),
    ];

    public static Command Create(CliContext context)
    {
        var sender = new Option<string?>("--sender") { Description = "Sender contains" };
        var recipient = new Option<string?>("--recipient") { Description = "A recipient contains" };
        var subject = new Option<string?>("--subject") { Description = "Subject contains" };
        var messageId = new Option<string?>("--message-id") { Description = "The Message-ID header" };
        var queueId = new Option<string?>("--queue-id") { Description = "Mailflow's queue id" };
        var since = new Option<string?>("--since") { Description = "How far back: 2h, 3d, 30m, or a UTC time (default: 48h)" };
        var pageSize = new Option<int>("--limit") { Description = "At most this many events", DefaultValueFactory = _ => 100 };
        var command = new Command("trace", "Message trace: what happened to messages") { sender, recipient, subject, messageId, queueId, since, pageSize };
        context.Handle(command, async (parse, client, output, ct) =>
        {
            var query = new List<string> { $"pageSize={parse.GetValue(pageSize)}" };
            MessageCommands.Add(query, "sender", parse.GetValue(sender));
            MessageCommands.Add(query, "recipient", parse.GetValue(recipient));
            MessageCommands.Add(query, "subject", parse.GetValue(subject));
            MessageCommands.Add(query, "messageId", parse.GetValue(messageId));
            MessageCommands.Add(query, "queueId", parse.GetValue(queueId));
            if (parse.GetValue(since) is { } s)
                query.Add("from=" + Uri.EscapeDataString(AuditCommands.ParseSince(s).ToString("O", CultureInfo.InvariantCulture)));
            var result = await client.GetAsync("trace?" + string.Join('&', query), ct);
            if (output.Json)
            {
                output.Raw(result);
                return;
            }
            output.Table(result["items"], Columns, "No tracking events match.");
            output.Message($"{Column.Text(result["total"])} events in all.");
        });

        var id = new Argument<string>("queue-id") { Description = "The message's queue id" };
        var show = new Command("show", "One message's timeline, oldest first") { id };
        context.Handle(show, async (parse, client, output, ct) =>
            output.Table(await client.GetAsync("trace/" + Uri.EscapeDataString(parse.GetValue(id)!), ct), Columns, "No tracking events."));
        command.Subcommands.Add(show);

        var client = new Option<string?>("--client") { Description = "The client's IP address (matches from its start)" };
        var agent = new Option<string?>("--agent") { Description = "The refusing agent's name contains" };
        var refusalSender = new Option<string?>("--sender") { Description = "Sender contains" };
        var refusalRecipient = new Option<string?>("--recipient") { Description = "A recipient contains" };
        var refusalSince = new Option<string?>("--since") { Description = "How far back: 2h, 3d, 30m, or a UTC time (default: 24h)" };
        var refusalLimit = new Option<int>("--limit") { Description = "At most this many refusals", DefaultValueFactory = _ => 100 };
        var refusals = new Command("refusals", "What receive sessions refused before a message was queued (block lists, rate limits, sender filtering, unknown recipients …)")
            { client, agent, refusalSender, refusalRecipient, refusalSince, refusalLimit };
        context.Handle(refusals, async (parse, api, output, ct) =>
        {
            var query = new List<string> { $"pageSize={parse.GetValue(refusalLimit)}" };
            MessageCommands.Add(query, "client", parse.GetValue(client));
            MessageCommands.Add(query, "agent", parse.GetValue(agent));
            MessageCommands.Add(query, "sender", parse.GetValue(refusalSender));
            MessageCommands.Add(query, "recipient", parse.GetValue(refusalRecipient));
            if (parse.GetValue(refusalSince) is { } s)
                query.Add("from=" + Uri.EscapeDataString(AuditCommands.ParseSince(s).ToString("O", CultureInfo.InvariantCulture)));
            var result = await api.GetAsync("trace/refusals?" + string.Join('&', query), ct);
            if (output.Json)
            {
                output.Raw(result);
                return;
            }
            output.Table(result["items"], RefusalColumns, "Nothing was refused in this window.");
            output.Message($"{Column.Text(result["total"])} refusals in all.");
        });
        command.Subcommands.Add(refusals);
        return command;
    }
}
