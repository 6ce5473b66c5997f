using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow apikey list|create|revoke</c> (Organization Management).</summary>
internal static class ApiKeyCommands
{
    private const string Path = "api-keys";

    private static readonly Column[] Columns =
    [
        Column.Of("NAME", "name"), Column.Of("ROLE", "role"), new("KEY", i => Column.Text(i["prefix"]) + "…"),
        new("CREATED (UTC)", i => Output.Time(i["createdAt"])), new("LAST USED (UTC)", i => Output.Time(i["lastUsedAt"])),
        new("STATUS", i => i["revokedAt"] is null ? "active" : "revoked " + Output.Time(i["revokedAt"])),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("apikey", "API keys for scripts and this tool");
        var name = new Argument<string>("name") { Description = "The key's name" };

        var list = new Command("list", "List API keys");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No API keys."));

        var role = new Option<string>("--role")
        {
            Description = "Organization Management, Recipient Management or View-Only",
            DefaultValueFactory = _ => "View-Only",
        };
        var create = new Command("create", "Create an API key; it is printed once") { name, role };
        context.Handle(create, async (parse, client, output, ct) =>
        {
            var created = await client.SendAsync(HttpMethod.Post, Path, new JsonObject { ["name"] = parse.GetValue(name), ["role"] = parse.GetValue(role) }, null, ct);
            if (output.Json)
            {
                output.Raw(created.Body);
                return;
            }
            output.Writer.WriteLine($"API key '{Column.Text(created.Body?["apiKey"]?["name"])}' ({Column.Text(created.Body?["apiKey"]?["role"])}) created. Store it now; it is not shown again:");
            output.Writer.WriteLine(Column.Text(created.Body?["key"]));
        });

        var revoke = new Command("revoke", "Revoke an API key: it stops working at once") { name };
        context.Handle(revoke, async (parse, client, output, ct) =>
        {
            var keys = await client.GetAsync(Path, ct) as JsonArray ?? [];
            var key = keys.OfType<JsonObject>().FirstOrDefault(k => k["revokedAt"] is null
                          && (string.Equals(Column.Text(k["name"]), parse.GetValue(name), StringComparison.OrdinalIgnoreCase) || Column.Text(k["id"]) == parse.GetValue(name)))
                      ?? throw new CliException($"There is no active API key '{parse.GetValue(name)}'.");
            var revoked = await client.SendAsync(HttpMethod.Delete, $"{Path}/{Column.Text(key["id"])}", null, null, ct);
            output.Message($"Revoked {Column.Text(key["name"])}.");
            if (output.Json)
                output.Raw(revoked.Body);
        });

        foreach (var sub in new[] { list, create, revoke })
            command.Subcommands.Add(sub);
        return command;
    }
}
