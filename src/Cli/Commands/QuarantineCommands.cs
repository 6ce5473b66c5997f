using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow quarantine list|release|delete|learn (export: mailflow message export)</c>: messages held by a rule, anti-spam or anti-malware.</summary>
internal static class QuarantineCommands
{
    private const string Path = "quarantine";

    private static readonly Column[] Columns =
    [
        Column.Of("QUEUE ID", "queueId"), Column.Of("RECEIVED", "queuedAt"), Column.Of("SENDER", "sender"), Column.Of("SUBJECT", "subject"),
        Column.Of("HELD BY", "source"), Column.Of("SCORE", "spamScore"), Column.Of("EXPIRES", "expiresAt"), Column.Of("WHY", "reason"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("quarantine", "Messages held by a mail flow rule, anti-spam or anti-malware");

        var list = new Command("list", "List held messages, newest first");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "Nothing is held in quarantine."));

        var queueId = new Argument<string>("queue-id") { Description = "The message's queue id, as list shows it" };
        var allow = new Option<bool>("--allow-sender") { Description = "Also add the sender to the allowed senders (its next messages skip anti-spam)" };
        var to = new Option<string[]>("--to")
        {
            Description = "Release to this recipient only (repeatable); the other recipients stay in quarantine",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var release = new Command("release", "Send a held message on to its recipients (or, with --to, to some of them)") { queueId, allow, to };
        context.Handle(release, async (parse, client, output, ct) =>
        {
            var id = parse.GetValue(queueId)!;
            var recipients = parse.GetValue(to) ?? [];
            if (recipients.Length > 0)
            {
                if (parse.GetValue(allow))
                    throw new CliException("--allow-sender applies to a release to all recipients; leave out --to, or --allow-sender.");
                var answer = await client.SendAsync(HttpMethod.Post, $"{Path}/{Uri.EscapeDataString(id)}/release",
                    new JsonObject { ["recipients"] = new JsonArray([.. recipients.Select(r => (JsonNode?)JsonValue.Create(r))]) }, null, ct);
                var released = answer.Body?["releasedQueueId"]?.GetValue<string>();
                var held = answer.Body?["stillHeld"]?.AsArray().Select(r => r!.GetValue<string>()).ToList() ?? [];
                output.Message(held.Count == 0
                    ? $"Released {id} to {string.Join(", ", recipients)}."
                    : $"Released {id} to {string.Join(", ", recipients)} as {released}; still held for {string.Join(", ", held)}.");
                return;
            }
            await client.SendAsync(HttpMethod.Post, $"{Path}/{Uri.EscapeDataString(id)}/release", new JsonObject { ["allowSender"] = parse.GetValue(allow) }, null, ct);
            output.Message(parse.GetValue(allow) ? $"Released {id} and allowed its sender." : $"Released {id}.");
        });

        var delete = new Command("delete", "Delete a held message (no NDR)") { queueId };
        context.Handle(delete, async (parse, client, output, ct) =>
        {
            var id = parse.GetValue(queueId)!;
            await client.SendAsync(HttpMethod.Delete, $"{Path}/{Uri.EscapeDataString(id)}", null, null, ct);
            output.Message($"Deleted {id}.");
        });

        var reason = new Option<string?>("--reason") { Description = "The text of the sender's non-delivery report" };
        var reject = new Command("reject", "Reject a held message (a moderator's reject): NDR 5.7.1 to the sender, then removed") { queueId, reason };
        context.Handle(reject, async (parse, client, output, ct) =>
        {
            var id = parse.GetValue(queueId)!;
            await client.SendAsync(HttpMethod.Post, $"{Path}/{Uri.EscapeDataString(id)}/reject", new JsonObject { ["reason"] = parse.GetValue(reason) }, null, ct);
            output.Message($"Rejected {id}; the sender gets a non-delivery report.");
        });

        var spam = new Option<bool>("--spam") { Description = "It is spam" };
        var ham = new Option<bool>("--not-spam") { Description = "It is not spam" };
        var learn = new Command("learn", "Teach Rspamd that a held message is spam (--spam) or not (--not-spam)") { queueId, spam, ham };
        context.Handle(learn, async (parse, client, output, ct) =>
        {
            if (parse.GetValue(spam) == parse.GetValue(ham))
                throw new CliException("Say --spam or --not-spam.");
            var id = parse.GetValue(queueId)!;
            var answer = await client.SendAsync(HttpMethod.Post, $"{Path}/{Uri.EscapeDataString(id)}/learn", new JsonObject { ["spam"] = parse.GetValue(spam) }, null, ct);
            output.Message($"Rspamd answered HTTP {Column.Text(answer.Body?["httpStatus"])}: {Column.Text(answer.Body?["answer"])}");
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(release);
        command.Subcommands.Add(delete);
        command.Subcommands.Add(reject);
        command.Subcommands.Add(learn);
        return command;
    }
}
