using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow domain list|add|set|remove|health</c>: accepted domains and the health of their DNS.</summary>
internal static class DomainCommands
{
    private const string Path = "accepted-domains";
    private const string Key = "domainName";
    private const string Noun = "accepted domain";

    private static readonly Column[] Columns =
    [
        Column.Of("DOMAIN", "domainName"), Column.Of("TYPE", "type"), Column.Of("SUBDOMAINS", "matchSubdomains"), Column.Of("DEFAULT", "isDefault"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("domain", "Accepted domains: the domains Mailflow takes mail for");

        var list = new Command("list", "List accepted domains");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No accepted domains."));

        var domain = new Argument<string>("domain") { Description = "The domain name, e.g. contoso.com" };
        var type = new Option<string?>("--type") { Description = "Authoritative, InternalRelay or ExternalRelay" };
        var subdomains = new Option<bool?>("--match-subdomains") { Description = "Also accept every subdomain (true/false)" };
        var isDefault = new Option<bool?>("--default") { Description = "Make it the default domain (true)" };
        var set = Fields.SetOption();

        var add = new Command("add", "Add an accepted domain") { domain, type, subdomains, isDefault, set };
        context.Handle(add, async (parse, client, output, ct) =>
        {
            var body = new JsonObject { [Key] = parse.GetValue(domain), ["type"] = parse.GetValue(type) ?? "Authoritative" };
            Apply(body, parse, subdomains, isDefault, set);
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Added {Column.Text(created.Body?[Key])}.");
            output.Details(created.Body);
        });

        var change = new Command("set", "Change an accepted domain") { domain, type, subdomains, isDefault, set };
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(domain)!, Noun, body =>
            {
                if (parse.GetValue(type) is { } t)
                    body["type"] = t;
                Apply(body, parse, subdomains, isDefault, set);
            }, ct);
            output.Message($"Saved {Column.Text(saved?[Key])}.");
            output.Details(saved);
        });

        var remove = new Command("remove", "Remove an accepted domain") { domain };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(domain)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(domain)}.");
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(add);
        command.Subcommands.Add(change);
        command.Subcommands.Add(remove);
        command.Subcommands.Add(Health(context));
        return command;
    }

    private static readonly Column[] HealthColumns =
    [
        Column.Of("DOMAIN", "domain"), Column.Of("STATUS", "status"), Column.Of("FAILING", "failing"), Column.Of("WARNINGS", "warnings"),
        new("CHECKED", item => Output.Time(item["checkedAt"])),
    ];

    private static readonly Column[] CheckColumns =
    [
        Column.Of("STATUS", "status"), Column.Of("AREA", "area"), Column.Of("CHECK", "title"),
    ];

    /// <summary><c>mailflow domain health [domain] [--check]</c>: every domain's status, or one domain's checks with the records to publish.</summary>
    private static Command Health(CliContext context)
    {
        var domain = new Argument<string?>("domain") { Description = "One accepted domain (all when left out)", Arity = ArgumentArity.ZeroOrOne };
        var check = new Option<bool>("--check") { Description = "Check the domain's DNS now instead of showing the last periodic check" };
        var health = new Command("health", "DNS health of the accepted domains: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, reverse DNS") { domain, check };
        context.Handle(health, async (parse, client, output, ct) =>
        {
            var name = parse.GetValue(domain);
            if (name is null)
            {
                if (parse.GetValue(check))
                    throw new CliException("--check needs a domain, e.g. mailflow domain health contoso.com --check");
                output.Table(await client.GetAsync("domains/health", ct), HealthColumns, "No domain has been checked yet.");
                return;
            }
            var path = $"domains/{Uri.EscapeDataString(name)}/health";
            var report = parse.GetValue(check) ? (await client.SendAsync(HttpMethod.Post, path + "/check", null, null, ct)).Body : await client.GetAsync(path, ct);
            if (output.Json)
            {
                output.Raw(report);
                return;
            }
            output.Message($"{Column.Text(report?["domain"])}: {Column.Text(report?["status"])} (checked {Output.Time(report?["checkedAt"])} by {Column.Text(report?["checkedBy"])})");
            var checks = report?["checks"]?.AsArray() ?? [];
            output.Table(checks, CheckColumns, "No checks.");
            foreach (var item in checks.Where(c => Column.Text(c?["status"]) != "Ok"))
            {
                output.Message("");
                output.Message($"{Column.Text(item?["status"]).ToUpperInvariant()} {Column.Text(item?["title"])}: {Column.Text(item?["summary"])}");
                if (item?["fixRecord"] is { } fix)
                    output.Message($"  Publish: {Column.Text(fix)}");
            }
        });
        return health;
    }

    private static void Apply(JsonObject body, ParseResult parse, Option<bool?> subdomains, Option<bool?> isDefault, Option<string[]> set)
    {
        if (parse.GetValue(subdomains) is { } s)
            body["matchSubdomains"] = s;
        if (parse.GetValue(isDefault) is { } d)
            body["isDefault"] = d;
        Fields.ApplySets(body, parse.GetValue(set));
    }
}
