using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Hosting;

public static class StoreHostingExtensions
{
    /// <summary>Binds <see cref="MailflowOptions"/>, creates the data directory and registers the store for the configured provider.</summary>
    public static WebApplicationBuilder AddMailflowStore(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(MailflowOptions.Section).Get<MailflowOptions>() ?? new MailflowOptions();
        Directory.CreateDirectory(options.ResolvedDataDirectory);
        var store = StoreSettings.FromConfiguration(builder.Configuration, options);
        builder.Services.AddMailflowCore(builder.Configuration, store);
        return builder;
    }

    /// <summary>Applies the provider's migrations, then seeds first-start defaults.</summary>
    public static async Task PrepareMailflowStoreAsync(this WebApplication app)
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
            await db.Database.MigrateAsync();
        foreach (var seeder in app.Services.GetServices<IStartupSeeder>())
            await seeder.SeedAsync(CancellationToken.None);
    }
}
