using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary>
/// <c>mailflow throttling list|reset</c> ("who is throttled now" on the node the CLI talks to) and
/// <c>mailflow blocked-senders list|unblock</c> (senders blocked for reaching a rate limit). The
/// limits themselves are protection settings: <c>mailflow protection set RateLimits.SenderRecipientsPerHour=100</c>.
/// </summary>
internal static class ThrottlingCommands
{
    private const string CountersPath = "throttling";
    private const string BlockedPath = "blocked-senders";

    private static readonly Column[] CounterColumns =
    [
        Column.Of("LIMIT", "kind"), Column.Of("KEY", "key"), Column.Of("USED", "used"), Column.Of("MAX", "max"), Column.Of("THROTTLED", "throttled"),
        Column.Of("NEXT IN (S)", "nextAllowedInSeconds"), Column.Of("RESETS IN (S)", "resetsInSeconds"),
    ];

    private static readonly Column[] BlockedColumns = [Column.Of("SENDER", "userName"), Column.Of("SINCE", "blockedAt"), Column.Of("REASON", "reason")];

    public static IEnumerable<Command> Create(CliContext context) => [Throttling(context), BlockedSenders(context)];

    private static Command Throttling(CliContext context)
    {
        var command = new Command("throttling", "Rate limits: who is counted and throttled now on this node");

        var list = new Command("list", "List the counters (throttled keys first)");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(CountersPath, ct), CounterColumns, "Nothing is counted right now."));

        var kind = new Argument<string>("limit") { Description = "The limit, as LIMIT shows it, e.g. SenderRecipientsPerHour or ConnectionsPerIp" };
        var key = new Argument<string>("key") { Description = "The key, as KEY shows it: a client address (2001:db8::/64 for IPv6), a sender or a domain" };
        var reset = new Command("reset", "Forget what was counted for one key under one limit") { kind, key };
        context.Handle(reset, async (parse, client, output, ct) =>
        {
            await client.SendAsync(HttpMethod.Post, $"{CountersPath}/reset", new JsonObject { ["kind"] = parse.GetValue(kind), ["key"] = parse.GetValue(key) }, null, ct);
            output.Message($"Reset {parse.GetValue(kind)} for {parse.GetValue(key)}.");
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(reset);
        return command;
    }

    private static Command BlockedSenders(CliContext context)
    {
        var command = new Command("blocked-senders", "Senders blocked for reaching a rate limit (with RateLimits.BlockSenderWhenLimitReached)");

        var list = new Command("list", "List blocked senders");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(BlockedPath, ct), BlockedColumns, "No sender is blocked."));

        var sender = new Argument<string>("sender") { Description = "The sender's AUTH user name (or the entry's id)" };
        var unblock = new Command("unblock", "Let a blocked sender send again") { sender };
        context.Handle(unblock, async (parse, client, output, ct) =>
        {
            var wanted = parse.GetValue(sender)!.Trim();
            var entry = (await client.GetAsync(BlockedPath, ct) as JsonArray ?? []).OfType<JsonObject>()
                .FirstOrDefault(e => string.Equals(Column.Text(e["userName"]), wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(Column.Text(e["id"]), wanted, StringComparison.OrdinalIgnoreCase))
                ?? throw new CliException($"{wanted} is not blocked.");
            await client.SendAsync(HttpMethod.Delete, $"{BlockedPath}/{Column.Text(entry["id"])}", null, null, ct);
            output.Message($"Unblocked {Column.Text(entry["userName"])}.");
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(unblock);
        return command;
    }
}
