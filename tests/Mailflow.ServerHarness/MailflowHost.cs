using System.Net;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Transport.Receive;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.ServerHarness;

/// <summary>
/// The real server (<c>Program</c>) in process, on the given store, with a temp data directory and
/// the seeded receive connectors on 127.0.0.1 at ports chosen free at run time.
/// </summary>
public sealed class MailflowHost : WebApplicationFactory<Program>
{
    public const string DefaultDomain = "contoso.test";

    private readonly StoreSettings _store;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private MailflowHost(StoreSettings store, IDictionary<string, string?>? settings, Action<IServiceCollection>? services = null)
    {
        _store = store;
        _services = services;
        DataDirectory = Directory.CreateTempSubdirectory("mailflow-host-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["Mailflow:DataDirectory"] = DataDirectory,
            ["Mailflow:NodeName"] = "node-it",
            ["Mailflow:Fqdn"] = "mx.contoso.test",
            ["Mailflow:DefaultDomain"] = DefaultDomain,
            ["Mailflow:Admin:InitialPassword"] = "Integration-Password-1",
            ["Mailflow:Seed:BindAddress"] = "127.0.0.1",
            ["Mailflow:Seed:DefaultFrontendPort"] = FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ClientFrontendPort"] = FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ImplicitTlsPort"] = FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Database:Provider"] = store.Provider.ToString(),
            ["ConnectionStrings:Mailflow"] = store.ConnectionString,
            ["urls"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            _settings[key] = value;
    }

    public string DataDirectory { get; }

    /// <param name="services">Extra registrations (e.g. a test's transport agent), after the server's own.</param>
    public static MailflowHost Start(StoreSettings store, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var host = new MailflowHost(store, settings, services);
        host.UseKestrel(0);
        host.StartServer();
        return host;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>The admin center's and API's loopback address (a port chosen at run time).</summary>
    public Uri HttpAddress => new(Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses
        .Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));

    /// <summary>The loopback port a receive connector's first binding actually listens on.</summary>
    public int PortOf(string connectorName)
    {
        var connector = Get<TransportConfigProvider>().Current.ReceiveConnectors.Single(c => c.Name == connectorName);
        var bound = Get<ReceiveEngine>().Host!.BoundEndPoints;
        return ((IPEndPoint)bound[connector.Bindings[0]]).Port;
    }

    /// <summary>Waits until the receive listeners run the newest saved generation.</summary>
    public async Task WaitForLatestGenerationAsync()
    {
        long latest;
        await using (var db = TestStores.OpenContext(_store))
            latest = await TransportConfigLoader.ReadLatestGenerationAsync(db, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Get<ReceiveEngine>().WaitForAppliedAsync(latest, timeout.Token);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        if (_services is not null)
            builder.ConfigureServices(_services);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finalizing handle; the temp directory is cleaned by the OS.
        }
    }
}
