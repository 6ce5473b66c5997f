using System.Text.Json;
using Mailflow.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailflow.Configuration;

/// <summary>
/// Provisions a node from a file: applies the <see cref="ConfigurationDocument"/> named by
/// <c>Mailflow:ConfigFile</c> at start-up, after the first-start defaults. Applying is idempotent
/// (an unchanged document saves nothing), so every start may apply it. An invalid document stops
/// the start with its errors: a node must not run a configuration other than the one it was given.
/// </summary>
public sealed partial class ConfigurationFileSeeder(
    ConfigurationAsCodeService configuration,
    IOptions<MailflowOptions> options,
    ILogger<ConfigurationFileSeeder> logger) : IStartupSeeder
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.ConfigFile;
        if (string.IsNullOrWhiteSpace(path))
            return;
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new InvalidOperationException($"Mailflow:ConfigFile: {fullPath} does not exist.");
        ConfigurationDocument document;
        try
        {
            await using var stream = File.OpenRead(fullPath);
            document = await JsonSerializer.DeserializeAsync<ConfigurationDocument>(stream, ConfigurationDocument.JsonOptions, cancellationToken)
                ?? throw new InvalidOperationException($"Mailflow:ConfigFile: {fullPath} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Mailflow:ConfigFile: {fullPath} is not a configuration document: {ex.Message}", ex);
        }

        ConfigurationApplyResult result;
        try
        {
            result = await configuration.ApplyAsync(AdminActor.System, document, dryRun: false, cancellationToken);
        }
        catch (ConfigurationConflictException)
        {
            // Another node applied the same file a moment ago: plan again against what it saved.
            result = await configuration.ApplyAsync(AdminActor.System, document, dryRun: false, cancellationToken);
        }
        catch (ConfigurationValidationException ex)
        {
            var lines = ex.Errors.SelectMany(e => e.Value.Select(m => $"  {e.Key}: {m}"));
            throw new InvalidOperationException($"Mailflow:ConfigFile: {fullPath} was not applied; nothing was changed:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}", ex);
        }
        if (result.Applied)
            Applied(logger, fullPath, result.Plan.Creates, result.Plan.Updates, result.Plan.Deletes, result.Generation ?? 0);
        else
            Unchanged(logger, fullPath);
    }

    [LoggerMessage(EventId = 9200, Level = LogLevel.Information, Message = "Applied configuration file {Path}: {Created} created, {Changed} changed, {Removed} removed (generation {Generation}).")]
    private static partial void Applied(ILogger logger, string path, int created, int changed, int removed, long generation);

    [LoggerMessage(EventId = 9201, Level = LogLevel.Information, Message = "Configuration file {Path} matches the stored configuration; nothing to change.")]
    private static partial void Unchanged(ILogger logger, string path);
}
