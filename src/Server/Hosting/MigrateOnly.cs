using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Hosting;

/// <summary>
/// <c>mailflow --migrate-only</c>: apply the configured store's migrations and exit, for upgrades (run it once
/// with the new version before starting the nodes, e.g. as a systemd <c>ExecStartPre</c> or a one-shot
/// container). Exit code 0 when the store is at the newest schema; 1 with the reason on standard error when
/// not. Nothing else runs: no seeding, no listeners.
/// </summary>
public static class MigrateOnly
{
    public const string Switch = "--migrate-only";

    /// <summary>Whether the switch was given; it is taken out of <paramref name="args"/> (the configuration reads the rest).</summary>
    public static bool Take(ref string[] args)
    {
        var given = args.Contains(Switch, StringComparer.Ordinal);
        if (given)
            args = [.. args.Where(a => !string.Equals(a, Switch, StringComparison.Ordinal))];
        return given;
    }

    public static async Task<int> RunAsync(WebApplication app)
    {
        var store = app.Services.GetRequiredService<StoreSettings>();
        var where = $"the {store.Provider} store ({store.RedactedConnectionString})";
        try
        {
            var applied = await StoreHostingExtensions.MigrateStoreAsync(app.Services, CancellationToken.None);
            await Console.Out.WriteLineAsync(applied.Count == 0
                ? $"Mailflow: {where} is up to date; no migration to apply."
                : $"Mailflow: applied {applied.Count} migration(s) to {where}: {string.Join(", ", applied)}.");
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"Mailflow: migrating {where} failed: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }
}
