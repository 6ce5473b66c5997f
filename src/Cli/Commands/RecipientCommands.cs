using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow recipient list|add|set|remove|set-password</c>: mailboxes, aliases, groups, contacts.</summary>
internal static class RecipientCommands
{
    private const string Path = "recipients";
    private const string Key = "primaryAddress";
    private const string Noun = "recipient";

    private static readonly Column[] Columns =
    [
        Column.Of("ADDRESS", "primaryAddress"), Column.Of("KIND", "kind"), Column.Of("NAME", "displayName"),
        Column.Of("OTHER ADDRESSES", "extraAddresses"), Column.Of("PASSWORD", "hasSubmissionPassword"),
        new("MAILBOX SIZE", item => Column.Text(item["usage"]?["text"])),
    ];

    private sealed record Options(
        Option<string?> DisplayName, Option<string?> ExtraAddresses, Option<string?> ForwardTo, Option<string?> Members,
        Option<string?> ExternalAddress, Option<string?> DeliveryKind, Option<string?> DeliveryTarget, Option<string?> SendAs, Option<string?> Quota, Option<string[]> Set)
    {
        public IEnumerable<Option> All => [DisplayName, ExtraAddresses, ForwardTo, Members, ExternalAddress, DeliveryKind, DeliveryTarget, SendAs, Quota, Set];

        public static Options Create() => new(
            new("--display-name") { Description = "The name shown for the recipient" },
            new("--extra-addresses") { Description = "Comma-separated further addresses" },
            new("--forward-to") { Description = "Alias: the address of the recipient it forwards to" },
            new("--members") { Description = "Group: comma-separated member addresses" },
            new("--external-address") { Description = "Mail contact: the external address" },
            new("--delivery-kind") { Description = "Mailbox: Maildir, Lmtp or Smtp" },
            new("--delivery-target") { Description = "Mailbox: Maildir path, or LMTP/SMTP host:port" },
            new("--send-as") { Description = "Mailbox: comma-separated addresses or *@domain it may send as" },
            new("--quota") { Description = "Maildir mailbox: size limit, e.g. 2GB; 0 = no limit; 'default' = the organization's default" },
            Fields.SetOption());

        /// <summary>Addresses in --forward-to/--members become ids, as the API stores references.</summary>
        public async Task ApplyAsync(JsonObject body, ParseResult parse, ApiClient client, CancellationToken cancellationToken)
        {
            if (parse.GetValue(DisplayName) is { } name) body["displayName"] = name;
            if (parse.GetValue(ExtraAddresses) is { } extra) body["extraAddresses"] = Fields.List(extra);
            if (parse.GetValue(ExternalAddress) is { } external) body["externalAddress"] = external;
            if (parse.GetValue(DeliveryKind) is { } kind) body["deliveryKind"] = kind;
            if (parse.GetValue(DeliveryTarget) is { } target) body["deliveryTarget"] = target;
            if (parse.GetValue(SendAs) is { } sendAs) body["sendAs"] = Fields.List(sendAs);
            if (parse.GetValue(Quota) is { } quota)
                body["quotaBytes"] = quota.Equals("default", StringComparison.OrdinalIgnoreCase) ? null : Fields.ParseSize(quota);
            body.Remove("usage");
            if (parse.GetValue(ForwardTo) is { } forward)
                body["forwardToId"] = Column.Text((await CliContext.FindAsync(client, Path, Key, forward, Noun, cancellationToken))["id"]);
            if (parse.GetValue(Members) is { } members)
            {
                var ids = new JsonArray();
                foreach (var member in members.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    ids.Add(Column.Text((await CliContext.FindAsync(client, Path, Key, member, Noun, cancellationToken))["id"]));
                body["memberIds"] = ids;
            }
            Fields.ApplySets(body, parse.GetValue(Set));
        }
    }

    public static Command Create(CliContext context)
    {
        var command = new Command("recipient", "Recipients: mailboxes, aliases, distribution groups and mail contacts");
        var address = new Argument<string>("address") { Description = "The primary address (or id)" };

        var list = new Command("list", "List recipients");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No recipients."));

        var kind = new Option<string>("--kind") { Description = "Mailbox, Alias, DistributionGroup or MailContact", DefaultValueFactory = _ => "Mailbox" };
        var addOptions = Options.Create();
        var add = new Command("add", "Add a recipient, e.g. add bob@contoso.com --display-name Bob") { address, kind };
        foreach (var option in addOptions.All)
            add.Options.Add(option);
        context.Handle(add, async (parse, client, output, ct) =>
        {
            var body = new JsonObject { ["primaryAddress"] = parse.GetValue(address), ["kind"] = parse.GetValue(kind) };
            await addOptions.ApplyAsync(body, parse, client, ct);
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Added {Column.Text(created.Body?[Key])}.");
            output.Details(created.Body);
        });

        var setOptions = Options.Create();
        var change = new Command("set", "Change a recipient") { address };
        foreach (var option in setOptions.All)
            change.Options.Add(option);
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var found = await CliContext.FindAsync(client, Path, Key, parse.GetValue(address)!, Noun, ct);
            var id = Column.Text(found["id"]);
            var current = await client.SendAsync(HttpMethod.Get, $"{Path}/{id}", null, null, ct);
            var body = (JsonObject)current.Body!;
            await setOptions.ApplyAsync(body, parse, client, ct);
            var saved = await client.SendAsync(HttpMethod.Put, $"{Path}/{id}", body, current.ETag, ct);
            output.Message($"Saved {Column.Text(saved.Body?[Key])}.");
            output.Details(saved.Body);
        });

        var remove = new Command("remove", "Remove a recipient") { address };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(address)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(address)}.");
        });

        var password = new Option<string?>("--password") { Description = "The new submission password (at least 8 characters); '-' reads it from standard input" };
        var generate = new Option<bool>("--generate") { Description = "Generate a random password and print it once" };
        var clear = new Option<bool>("--clear") { Description = "Remove the password: the mailbox can no longer sign in to send" };
        var setPassword = new Command("set-password", "Set, generate or clear a mailbox's submission (SMTP AUTH) password") { address, password, generate, clear };
        context.Handle(setPassword, async (parse, client, output, ct) =>
        {
            var chosen = (parse.GetValue(password) is not null ? 1 : 0) + (parse.GetValue(generate) ? 1 : 0) + (parse.GetValue(clear) ? 1 : 0);
            if (chosen != 1)
                throw new CliException("Choose one of --password, --generate or --clear.");
            var found = await CliContext.FindAsync(client, Path, Key, parse.GetValue(address)!, Noun, ct);
            var id = Column.Text(found["id"]);
            var current = await client.SendAsync(HttpMethod.Get, $"{Path}/{id}", null, null, ct);
            if (parse.GetValue(generate))
            {
                var result = await client.SendAsync(HttpMethod.Post, $"{Path}/{id}/submission-password/reset", null, current.ETag, ct);
                if (output.Json)
                    output.Raw(result.Body);
                else
                    output.Writer.WriteLine($"New submission password for {parse.GetValue(address)} (shown once): {Column.Text(result.Body?["password"])}");
                return;
            }
            if (parse.GetValue(clear))
            {
                output.Details((await client.SendAsync(HttpMethod.Delete, $"{Path}/{id}/submission-password", null, current.ETag, ct)).Body);
                return;
            }
            var text = parse.GetValue(password)!;
            if (text == "-")
                text = (await context.Environment.StandardInput.ReadLineAsync(ct)) ?? "";
            var saved = await client.SendAsync(HttpMethod.Put, $"{Path}/{id}/submission-password", new JsonObject { ["password"] = text }, current.ETag, ct);
            output.Message($"Submission password set for {Column.Text(saved.Body?[Key])}.");
        });

        foreach (var sub in new[] { list, add, change, remove, setPassword })
            command.Subcommands.Add(sub);
        return command;
    }
}
