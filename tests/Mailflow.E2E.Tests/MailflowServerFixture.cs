using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.E2E.Tests;

/// <summary>
/// The real Mailflow server, in process, on a real loopback socket with a port chosen at run time, on
/// a fresh SQLite store in a temp data directory and with a known first admin password. Tests reach
/// into <see cref="WebApplicationFactory{TEntryPoint}.Services"/> to see what the engine sees.
/// </summary>
public class MailflowServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string InitialPassword = "First-Start-Password-1";
    public const string NodeName = "node-e2e";

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("mailflow-e2e-");

    public string BaseUrl { get; private set; } = "";

    public TransportConfigProvider ConfigProvider => Services.GetRequiredService<TransportConfigProvider>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Mailflow:DataDirectory", _dataDirectory.FullName);
        builder.UseSetting("Mailflow:Admin:InitialPassword", InitialPassword);
        builder.UseSetting("Mailflow:NodeName", NodeName);
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        // This journey is about the admin center; SMTP journeys set loopback bindings on free ports.
        builder.UseSetting("Mailflow:Smtp:Enabled", "false");
        ConfigureSmtp(builder);
    }

    /// <summary>Where a variant turns SMTP on; the base fixture keeps it off.</summary>
    protected virtual void ConfigureSmtp(IWebHostBuilder builder)
    {
    }

    public Task InitializeAsync()
    {
        UseKestrel(0);
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        return Task.CompletedTask;
    }

    /// <summary>The newest configuration generation saved in the store.</summary>
    public async Task<long> LatestSavedGenerationAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        return await db.ConfigurationGenerations.MaxAsync(g => g.Number);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dataDirectory.Delete(recursive: true);
    }
}
