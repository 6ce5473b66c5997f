using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary>
/// <c>mailflow dkim-key list|show|generate|enable|disable|remove</c>: DKIM signing keys per accepted
/// domain. A key is named by its record, <c>selector._domainkey.domain</c>.
/// </summary>
internal static class DkimKeyCommands
{
    private const string Path = "dkim-keys";
    private const string Key = "dnsRecordName";
    private const string Noun = "DKIM key";

    private static readonly Column[] Columns =
    [
        Column.Of("RECORD", "dnsRecordName"), Column.Of("ALGORITHM", "algorithm"), Column.Of("ENABLED", "enabled"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("dkim-key", "DKIM signing keys: generate, publish the TXT record, enable");
        var name = new Argument<string>("record") { Description = "The key's record name, selector._domainkey.domain (or its id)" };

        var list = new Command("list", "List DKIM keys");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No DKIM keys: outbound mail is not signed."));

        var show = new Command("show", "Show a key and the exact TXT record to publish") { name };
        context.Handle(show, async (parse, client, output, ct) => output.Details(await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct)));

        var domain = new Argument<string>("domain") { Description = "An accepted domain" };
        var selector = new Argument<string>("selector") { Description = "The selector, e.g. mf2026a" };
        var algorithm = new Option<string?>("--algorithm") { Description = "Rsa2048 (default) or Ed25519" };
        var enable = new Option<bool>("--enable") { Description = "Sign with it at once (only when its TXT record is already published)" };
        var generate = new Command("generate", "Generate a key pair and print the TXT record to publish, e.g. generate example.com mf2026a") { domain, selector, algorithm, enable };
        context.Handle(generate, async (parse, client, output, ct) =>
        {
            var body = new JsonObject
            {
                ["domain"] = parse.GetValue(domain),
                ["selector"] = parse.GetValue(selector),
                ["algorithm"] = parse.GetValue(algorithm) ?? "Rsa2048",
                ["enabled"] = parse.GetValue(enable),
            };
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Publish this TXT record, then run 'mailflow dkim-key enable {Column.Text(created.Body?[Key])}':");
            output.Message($"{Column.Text(created.Body?["dnsRecordName"])} TXT \"{Column.Text(created.Body?["dnsRecordValue"])}\"");
            output.Details(created.Body);
        });

        Command Switch(string verb, string description)
        {
            var switchCommand = new Command(verb, description) { name };
            context.Handle(switchCommand, async (parse, client, output, ct) =>
            {
                var key = await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
                var saved = await client.SendAsync(HttpMethod.Post, $"{Path}/{Column.Text(key["id"])}/{verb}", null, null, ct);
                output.Message($"{(verb == "enable" ? "Signing with" : "No longer signing with")} {Column.Text(saved.Body?[Key])}.");
            });
            return switchCommand;
        }

        var remove = new Command("remove", "Delete a key (its private key is gone for good)") { name };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(name)}.");
        });

        foreach (var sub in new[] { list, show, generate, Switch("enable", "Sign outbound mail with this key"), Switch("disable", "Stop signing with this key"), remove })
            command.Subcommands.Add(sub);
        return command;
    }
}
