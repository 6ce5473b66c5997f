using System.Globalization;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Cluster.Tests.Kill;

/// <summary>
/// The kill tests' common set-up: a store configured through the real services before the server
/// process starts — relay.test an internal relay domain (anonymous senders may send to it) whose
/// mail goes to the test's <see cref="RecordingSink"/> — and the Default Frontend on a free port.
/// </summary>
public static class KillTestBed
{
    /// <summary>Configures <paramref name="store"/> and returns the SMTP port the server will listen on.</summary>
    /// <param name="organization">A change of the organization settings (e.g. back-pressure thresholds), or null.</param>
    public static async Task<int> ConfigureRelayAsync(StoreSettings store, int sinkPort, Action<OrganizationSettings>? organization = null)
    {
        var port = FreePort.Get();
        var seed = new Dictionary<string, string?>
        {
            ["Mailflow:DefaultDomain"] = MailflowHost.DefaultDomain,
            ["Mailflow:Seed:BindAddress"] = "127.0.0.1",
            ["Mailflow:Seed:DefaultFrontendPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ClientFrontendPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ImplicitTlsPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
        };
        await using var admin = await TestNode.StartAsync(store, "setup", seed: true, settings: seed);
        await admin.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "relay.test", Type = AcceptedDomainType.InternalRelay });
        await admin.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "To the recording sink",
            AddressSpaces = [new AddressSpace("relay.test")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{sinkPort}"],
        });
        if (organization is not null)
        {
            var service = admin.Get<OrganizationSettingsService>();
            var settings = await service.GetAsync();
            organization(settings);
            await service.UpdateAsync(AdminActor.System, settings);
        }
        return port;
    }

    /// <summary>
    /// Starts the server as a process on <paramref name="store"/>, with the key-encryption certificate the
    /// set-up node used (so the key ring it wrote is readable), allowing a loaded machine two minutes.
    /// </summary>
    public static Task<ServerProcess> StartServerAsync(StoreSettings store, string dataDirectory, int port) =>
        ServerProcess.StartAsync(store, dataDirectory, port,
            new Dictionary<string, string> { [TestKeyEncryption.SettingKey.Replace(":", "__", StringComparison.Ordinal)] = TestKeyEncryption.CertificatePath },
            TimeSpan.FromMinutes(2));
}
