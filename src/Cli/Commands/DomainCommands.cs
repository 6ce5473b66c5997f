using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow domain list|add|set|remove</c>: accepted domains.</summary>
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
        return command;
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
