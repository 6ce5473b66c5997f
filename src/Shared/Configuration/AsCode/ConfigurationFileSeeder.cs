using System.Security.Cryptography;
using System.Text.Json;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailflow.Configuration;

/// <summary>
/// Provisions a node from a file: applies the <see cref="ConfigurationDocument"/> named by
/// <c>Mailflow:ConfigFile</c> at start-up, after the first-start defaults, as <c>Mailflow:ConfigFileMode</c>
/// says (<see cref="ConfigFileMode"/>): <c>Seed</c> only on a store nobody configured yet, <c>WhenChanged</c>
/// when the file's SHA-256 differs from the one recorded at its last apply, <c>Always</c> at every start.
/// Each apply is recorded (<see cref="ConfigurationFileRecord"/>). Applying is idempotent (an unchanged
/// document saves nothing). An invalid document stops the start with its errors when it is to be applied:
/// a node must not run a configuration other than the one it was given.
/// </summary>
public sealed partial class ConfigurationFileSeeder(
    ConfigurationAsCodeService configuration,
    IDbContextFactory<MailflowDbContext> dbFactory,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<ConfigurationFileSeeder> logger) : IStartupSeeder
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.ConfigFile;
        if (string.IsNullOrWhiteSpace(path))
            return;
        var mode = options.Value.ConfigFileMode;
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new InvalidOperationException($"Mailflow:ConfigFile: {fullPath} does not exist.");
        var bytes = await File.ReadAllBytesAsync(fullPath, cancellationToken);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));

        if (await SkipReasonAsync(mode, sha256, cancellationToken) is { } reason)
        {
            Skipped(logger, fullPath, mode, reason);
            return;
        }

        ConfigurationDocument document;
        try
        {
            document = JsonSerializer.Deserialize<ConfigurationDocument>(bytes, ConfigurationDocument.JsonOptions)
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
        await RecordAsync(fullPath, sha256, mode, document, result.Applied ? result.Generation : null, cancellationToken);
        if (result.Applied)
            Applied(logger, fullPath, mode, result.Plan.Creates, result.Plan.Updates, result.Plan.Deletes, result.Generation ?? 0);
        else
            Unchanged(logger, fullPath, mode);
    }

    /// <summary>Why the file is not applied this time under <paramref name="mode"/>; null to apply it.</summary>
    private async Task<string?> SkipReasonAsync(ConfigFileMode mode, string sha256, CancellationToken cancellationToken)
    {
        if (mode == ConfigFileMode.Always)
            return null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.ConfigurationFileRecords.AsNoTracking().OrderByDescending(r => r.Id).FirstOrDefaultAsync(cancellationToken);
        if (mode == ConfigFileMode.WhenChanged)
            return last?.ContentSha256 == sha256 ? "its content is the one applied last" : null;
        // Seed: a store is unconfigured until anyone but the start-up seeding saved a change, or a file was applied.
        if (last is not null)
            return $"a configuration file was already applied to this store ({last.AppliedAt:u} by {last.Node})";
        var system = AdminActor.System.Name;
        if (await db.ConfigurationGenerations.AnyAsync(g => g.ChangedBy != system, cancellationToken))
            return "the store was configured already";
        return null;
    }

    private async Task RecordAsync(string fullPath, string sha256, ConfigFileMode mode, ConfigurationDocument document, long? generation, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.ConfigurationFileRecords.Add(new ConfigurationFileRecord
        {
            AppliedAt = time.GetUtcNow(),
            Node = options.Value.ResolvedNodeName,
            Path = fullPath.Length <= ConfigurationFileRecord.PathLength ? fullPath : fullPath[^ConfigurationFileRecord.PathLength..],
            ContentSha256 = sha256,
            Mode = mode,
            Sections = string.Join(',', ConfigurationFileSections.Of(document)),
            Generation = generation,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 9200, Level = LogLevel.Information, Message = "Applied configuration file {Path} ({Mode}): {Created} created, {Changed} changed, {Removed} removed (generation {Generation}).")]
    private static partial void Applied(ILogger logger, string path, ConfigFileMode mode, int created, int changed, int removed, long generation);

    [LoggerMessage(EventId = 9201, Level = LogLevel.Information, Message = "Configuration file {Path} ({Mode}) matches the stored configuration; nothing to change.")]
    private static partial void Unchanged(ILogger logger, string path, ConfigFileMode mode);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Information, Message = "Configuration file {Path} not applied (Mailflow:ConfigFileMode={Mode}): {Reason}.")]
    private static partial void Skipped(ILogger logger, string path, ConfigFileMode mode, string reason);
}
