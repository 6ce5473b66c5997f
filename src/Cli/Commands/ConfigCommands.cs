using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow config export|apply</c>: configuration as code.</summary>
internal static class ConfigCommands
{
    private static readonly Column[] ChangeColumns =
    [
        Column.Of("ACTION", "action"), Column.Of("TYPE", "objectType"), Column.Of("NAME", "name"), Column.Of("FIELDS", "changedFields"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("config", "Configuration as code: export the whole configuration, apply a document");

        var includeSecrets = new Option<bool>("--include-secrets") { Description = "Also export recipients' password hashes (smart-host passwords are never exported)" };
        var outputFile = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output" };
        var export = new Command("export", "Export the configuration as a JSON document, e.g. mailflow config export > org.json") { includeSecrets, outputFile };
        context.Handle(export, async (parse, client, output, ct) =>
        {
            var document = await client.GetAsync($"config/export?includeSecrets={(parse.GetValue(includeSecrets) ? "true" : "false")}", ct);
            var text = document.ToJsonString(ApiClient.JsonOptions);
            if (parse.GetValue(outputFile) is { } path)
            {
                await File.WriteAllTextAsync(path, text + Environment.NewLine, ct);
                output.Message($"Wrote {path}.");
            }
            else
            {
                output.Writer.WriteLine(text);
            }
        });

        var file = new Argument<string>("file") { Description = "The document (as config export writes it); '-' reads standard input" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only show what would change" };
        var apply = new Command("apply", "Validate a document, show the changes and apply them in one transaction (or nothing if anything is invalid)") { file, dryRun };
        context.Handle(apply, async (parse, client, output, ct) =>
        {
            var path = parse.GetValue(file)!;
            string text;
            try
            {
                text = path == "-" ? await context.Environment.StandardInput.ReadToEndAsync(ct) : await File.ReadAllTextAsync(path, ct);
            }
            catch (IOException ex)
            {
                throw new CliException($"Cannot read {path}: {ex.Message}");
            }
            JsonNode document;
            try
            {
                document = JsonNode.Parse(text) ?? throw new CliException($"{path} is empty.");
            }
            catch (JsonException ex)
            {
                throw new CliException($"{path} is not JSON: {ex.Message}");
            }
            var isDryRun = parse.GetValue(dryRun);
            var result = (await client.SendAsync(HttpMethod.Post, $"config/apply?dryRun={(isDryRun ? "true" : "false")}", document, null, ct)).Body;
            if (output.Json)
            {
                output.Raw(result);
                return;
            }
            var plan = result?["plan"];
            output.Table(plan?["changes"], ChangeColumns, "No changes: the configuration already matches the document.");
            var counts = $"{Column.Text(plan?["creates"])} to create, {Column.Text(plan?["updates"])} to change, {Column.Text(plan?["deletes"])} to remove";
            output.Writer.WriteLine(isDryRun
                ? $"Dry run: {counts}. Nothing was changed."
                : result?["applied"]?.GetValue<bool>() == true
                    ? $"Applied: {counts.Replace(" to ", " ", StringComparison.Ordinal)} (configuration generation {Column.Text(result["generation"])})."
                    : "Nothing to apply.");
        });

        command.Subcommands.Add(export);
        command.Subcommands.Add(apply);
        return command;
    }
}
