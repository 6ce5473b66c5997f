using System.Net.Http.Headers;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// The real Mailflow server, in process, on a loopback socket with a port chosen at run time, with a
/// temp data directory and the initial Organization Management API key, on a fresh SQLite file or a
/// fresh PostgreSQL database.
/// </summary>
public sealed class ApiServer : WebApplicationFactory<Program>
{
    public const string InitialKey = "mf_initial-key-for-api-tests-0123456789abcdef";

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("mailflow-api-");
    private readonly DatabaseProvider _provider;
    private readonly string? _connectionString;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IWebHostBuilder>? _configure;

    private ApiServer(DatabaseProvider provider, string? connectionString, IReadOnlyDictionary<string, string?> settings, Action<IWebHostBuilder>? configure)
    {
        _provider = provider;
        _connectionString = connectionString;
        _settings = settings;
        _configure = configure;
    }

    public Uri BaseUrl { get; private set; } = default!;

    public DatabaseProvider Provider => _provider;

    /// <summary>The server's data directory: a temp directory, or the one the settings name.</summary>
    public string DataDirectory => _settings.TryGetValue("Mailflow:DataDirectory", out var configured) && configured is not null ? configured : _dataDirectory.FullName;

    /// <param name="settings">Extra configuration (e.g. Mailflow:ConfigFile).</param>
    /// <param name="configure">Extra host configuration (e.g. a capturing logger).</param>
    public static async Task<ApiServer> StartAsync(DatabaseProvider provider, PostgresFixture? postgres, IReadOnlyDictionary<string, string?>? settings = null, Action<IWebHostBuilder>? configure = null)
    {
        var connectionString = provider == DatabaseProvider.Postgres
            ? await (postgres ?? throw new InvalidOperationException("PostgreSQL needs the fixture.")).CreateDatabaseAsync()
            : null;
        var server = new ApiServer(provider, connectionString, settings ?? new Dictionary<string, string?>(), configure);
        try
        {
            server.UseKestrel(0);
            server.StartServer();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        server.BaseUrl = new Uri(server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
        return server;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Mailflow:DataDirectory", _dataDirectory.FullName);
        builder.UseSetting("Mailflow:Admin:InitialPassword", "First-Start-Password-1");
        builder.UseSetting("Mailflow:Admin:InitialApiKey", InitialKey);
        builder.UseSetting("Mailflow:NodeName", "node-api-tests");
        // The SMTP listeners (when the server opens them) must not take the seeded connectors' fixed ports in tests.
        builder.UseSetting("Mailflow:Smtp:Enabled", "false");
        builder.UseSetting("Database:Provider", _provider.ToString());
        if (_connectionString is not null)
            builder.UseSetting("ConnectionStrings:Mailflow", _connectionString);
        builder.UseSetting("urls", "http://127.0.0.1:0");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        _configure?.Invoke(builder);
    }

    /// <summary>A client on the real socket, authenticated with <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient Client(string? apiKey = InitialKey)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public async Task<long> LatestGenerationAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        return await db.ConfigurationGenerations.MaxAsync(g => (long?)g.Number) ?? 0;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dataDirectory.Delete(recursive: true);
    }
}

/// <summary>One server per test class, started on first use (xunit class fixture).</summary>
public sealed class ServerPerClass : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public ApiServer? Server { get; private set; }

    public async Task<ApiServer> GetAsync(DatabaseProvider provider, PostgresFixture? postgres)
    {
        await _gate.WaitAsync();
        try
        {
            return Server ??= await ApiServer.StartAsync(provider, postgres);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
        _gate.Dispose();
    }
}
