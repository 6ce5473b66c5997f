using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary>
/// <c>mailflow dkim-key list|show|generate|import|check-dns|rotate|schedule|enable|disable|retire|remove</c>:
/// DKIM signing keys per accepted domain. A key is named by its record, <c>selector._domainkey.domain</c>.
/// </summary>
internal static class DkimKeyCommands
{
    private const string Path = "dkim-keys";
    private const string Key = "dnsRecordName";
    private const string Noun = "DKIM key";

    private static readonly Column[] Columns =
    [
        Column.Of("RECORD", "dnsRecordName"), Column.Of("ALGORITHM", "algorithm"), Column.Of("STATE", "lifecycle"), Column.Of("ROTATE (DAYS)", "rotateEveryDays"),
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

        var pemFile = new Argument<FileInfo>("pem-file") { Description = "The private key as PEM (PKCS#8 or PKCS#1 RSA of 2048 bits or more, or Ed25519)" };
        var import = new Command("import", "Import an existing private key, e.g. import example.com s2019 key.pem") { domain, selector, pemFile, enable };
        context.Handle(import, async (parse, client, output, ct) =>
        {
            var body = new JsonObject
            {
                ["domain"] = parse.GetValue(domain),
                ["selector"] = parse.GetValue(selector),
                ["privateKeyPem"] = await File.ReadAllTextAsync(parse.GetValue(pemFile)!.FullName, ct),
                ["enabled"] = parse.GetValue(enable),
            };
            var created = await client.SendAsync(HttpMethod.Post, $"{Path}/import", body, null, ct);
            output.Message($"Imported. Its TXT record: {Column.Text(created.Body?["dnsRecordName"])} TXT \"{Column.Text(created.Body?["dnsRecordValue"])}\"");
            output.Details(created.Body);
        });

        var checkDns = new Command("check-dns", "Ask DNS whether it serves the key's record exactly") { name };
        context.Handle(checkDns, async (parse, client, output, ct) =>
        {
            var key = await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            var result = await client.SendAsync(HttpMethod.Post, $"{Path}/{Column.Text(key["id"])}/check-dns", null, null, ct);
            output.Message($"{Column.Text(result.Body?["status"])}: {Column.Text(result.Body?["explanation"])}");
        });

        var rotateDomain = new Argument<string>("domain") { Description = "The domain whose signing keys to rotate" };
        var rotate = new Command("rotate", "Start a rotation: new pending keys that sign once DNS serves them; the old ones retire after the overlap") { rotateDomain };
        context.Handle(rotate, async (parse, client, output, ct) =>
        {
            var created = await client.SendAsync(HttpMethod.Post, $"{Path}/rotate", new JsonObject { ["domain"] = parse.GetValue(rotateDomain) }, null, ct);
            output.Message("Publish these TXT records; each key starts signing once DNS serves it:");
            foreach (var key in created.Body?.AsArray() ?? new JsonArray())
                output.Message($"{Column.Text(key?["dnsRecordName"])} TXT \"{Column.Text(key?["dnsRecordValue"])}\"");
        });

        var days = new Argument<int?>("days") { Description = "Rotate every N days after the key began to sign; omit to rotate only by hand", Arity = ArgumentArity.ZeroOrOne };
        var schedule = new Command("schedule", "Rotate a key automatically every N days, e.g. schedule mf1._domainkey.example.com 90") { name, days };
        context.Handle(schedule, async (parse, client, output, ct) =>
        {
            var key = await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            var every = parse.GetValue(days);
            await client.SendAsync(HttpMethod.Put, $"{Path}/{Column.Text(key["id"])}/schedule", new JsonObject { ["rotateEveryDays"] = every }, null, ct);
            output.Message(every is null ? $"{Column.Text(key[Key])} rotates only by hand." : $"{Column.Text(key[Key])} rotates every {every} days.");
        });

        Command Switch(string verb, string description)
        {
            var switchCommand = new Command(verb, description) { name };
            context.Handle(switchCommand, async (parse, client, output, ct) =>
            {
                var key = await CliContext.FindAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
                var saved = await client.SendAsync(HttpMethod.Post, $"{Path}/{Column.Text(key["id"])}/{verb}", null, null, ct);
                output.Message(verb switch
                {
                    "enable" => $"Signing with {Column.Text(saved.Body?[Key])}.",
                    "disable" => $"No longer signing with {Column.Text(saved.Body?[Key])}.",
                    _ => $"Retired {Column.Text(saved.Body?[Key])}: its private key is erased; its TXT record may be removed.",
                });
            });
            return switchCommand;
        }

        var remove = new Command("remove", "Delete a key (its private key is gone for good)") { name };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(name)}.");
        });

        foreach (var sub in new[] { list, show, generate, import, checkDns, rotate, schedule, Switch("enable", "Sign outbound mail with this key"),
                     Switch("disable", "Stop signing with this key"), Switch("retire", "Retire a key that no longer signs (erases its private key)"), remove })
            command.Subcommands.Add(sub);
        return command;
    }
}
