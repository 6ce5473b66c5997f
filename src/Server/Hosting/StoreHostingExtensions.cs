using Mailflow.Data;
using Mailflow.Security;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Hosting;

public static class StoreHostingExtensions
{
    /// <summary>Binds <see cref="MailflowOptions"/>, creates the data directory and registers the store for the configured provider.</summary>
    public static WebApplicationBuilder AddMailflowStore(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(MailflowOptions.Section).Get<MailflowOptions>() ?? new MailflowOptions();
        // Before anything writes there: umask 077 and a 0700 data directory (the store and keys are private to this user).
        DataDirectoryPermissions.Prepare(options.ResolvedDataDirectory);
        var store = StoreSettings.FromConfiguration(builder.Configuration, options);
        builder.Services.AddMailflowCore(builder.Configuration, store);
        return builder;
    }

    /// <summary>Applies the provider's migrations, then seeds first-start defaults.</summary>
    public static async Task PrepareMailflowStoreAsync(this WebApplication app)
    {
        WarnAboutLoosePermissions(app);
        ExplainKeyEncryption(app);
        await MigrateStoreAsync(app.Services, CancellationToken.None);
        foreach (var seeder in app.Services.GetServices<IStartupSeeder>())
            await seeder.SeedAsync(CancellationToken.None);
    }

    /// <summary>Applies the configured provider's pending migrations; returns their names (none when the store was up to date).</summary>
    public static async Task<IReadOnlyList<string>> MigrateStoreAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        return pending;
    }

    private static void ExplainKeyEncryption(WebApplication app)
    {
        var certificate = app.Services.GetRequiredService<KeyEncryptionCertificate>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mailflow.Security");
        if (certificate.WasGenerated)
            StoreHostingLog.KeyEncryptionGenerated(logger, certificate.Path);
        if (!certificate.IsConfigured && app.Services.GetRequiredService<StoreSettings>().Provider == DatabaseProvider.Postgres)
            StoreHostingLog.ClusterNeedsSharedCertificate(logger, certificate.Path);
    }

    private static void WarnAboutLoosePermissions(WebApplication app)
    {
        var directory = app.Services.GetRequiredService<IOptions<MailflowOptions>>().Value.ResolvedDataDirectory;
        var loose = DataDirectoryPermissions.FindLoose(directory);
        if (loose.Count == 0)
            return;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mailflow.Security");
        StoreHostingLog.LoosePermissions(logger, directory, loose.Count, string.Join(", ", loose.Take(10)));
    }
}

internal static partial class StoreHostingLog
{
    [LoggerMessage(2300, LogLevel.Warning, "Generated the key-encryption certificate {Path}. Back it up outside the database: without it, stored secrets (smart-host passwords, TLS keys) cannot be decrypted")]
    public static partial void KeyEncryptionGenerated(ILogger logger, string path);

    [LoggerMessage(2301, LogLevel.Warning, "The key ring is encrypted with {Path} from this node's data directory. Every node sharing this PostgreSQL store needs the same certificate: copy it to each node and set Mailflow:KeyEncryption:CertificatePath")]
    public static partial void ClusterNeedsSharedCertificate(ILogger logger, string path);

    [LoggerMessage(2310, LogLevel.Warning, "The data directory {Directory} has {Count} entries that other users may read or write: {Entries}. Remove their group and other permissions (chmod -R go-rwx)")]
    public static partial void LoosePermissions(ILogger logger, string directory, int count, string entries);
}
