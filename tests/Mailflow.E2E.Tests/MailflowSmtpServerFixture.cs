using System.Globalization;
using System.Net;
using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Mailflow.Server.Transport.Receive;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.E2E.Tests;

/// <summary>
/// Like <see cref="MailflowServerFixture"/>, but with SMTP on: the seeded receive connectors listen on
/// 127.0.0.1 at ports chosen at run time, so a journey can send mail in with MailKit and watch it in the browser.
/// </summary>
public class MailflowSmtpServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string InitialPassword = "First-Start-Password-1";
    public const string NodeName = "node-e2e-smtp";
    public const string DefaultDomain = "contoso.test";

    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("mailflow-e2e-smtp-");

    public string BaseUrl { get; private set; } = "";

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Mailflow:DataDirectory", _dataDirectory.FullName);
        builder.UseSetting("Mailflow:Admin:InitialPassword", InitialPassword);
        builder.UseSetting("Mailflow:NodeName", NodeName);
        builder.UseSetting("Mailflow:Fqdn", "mx.contoso.test");
        builder.UseSetting("Mailflow:DefaultDomain", DefaultDomain);
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Mailflow:Seed:BindAddress", "127.0.0.1");
        builder.UseSetting("Mailflow:Seed:DefaultFrontendPort", FreePort.Get().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Mailflow:Seed:ClientFrontendPort", FreePort.Get().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Mailflow:Seed:ImplicitTlsPort", FreePort.Get().ToString(CultureInfo.InvariantCulture));
        ConfigureMore(builder);
    }

    /// <summary>Further settings of a journey's own fixture (e.g. a DNS server on loopback).</summary>
    protected virtual void ConfigureMore(IWebHostBuilder builder)
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

    /// <summary>The loopback port a receive connector's first binding actually listens on.</summary>
    public int PortOf(string connectorName)
    {
        var connector = Get<TransportConfigProvider>().Current.ReceiveConnectors.Single(c => c.Name == connectorName);
        var bound = Get<ReceiveEngine>().Host!.BoundEndPoints;
        return ((IPEndPoint)bound[connector.Bindings[0]]).Port;
    }

    /// <summary>Waits until the receive listeners (and so the live snapshot) run the newest saved generation.</summary>
    public async Task WaitForLatestGenerationAsync()
    {
        long latest;
        await using (var db = await Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            latest = await db.ConfigurationGenerations.MaxAsync(g => g.Number);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Get<ReceiveEngine>().WaitForAppliedAsync(latest, timeout.Token);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dataDirectory.Delete(recursive: true);
    }
}
