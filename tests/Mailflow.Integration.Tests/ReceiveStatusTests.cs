using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Mailflow.Integration.Tests;

/// <summary>The admin center's live session count comes from the running receive engine, per connector.</summary>
public sealed class ReceiveStatusTests : IDisposable
{
    private readonly TestStores stores = new();

    [Fact]
    public async Task ActiveSessions_WhenAClientIsConnected_CountsItOnItsConnectorOnly()
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(DatabaseProvider.Sqlite));
        await host.WaitForLatestGenerationAsync();
        var connectors = await host.Get<ReceiveConnectorService>().ListAsync();
        var frontend = connectors.Single(c => c.Name == "Default Frontend");
        var client = connectors.Single(c => c.Name == "Client Frontend");
        var status = host.Get<IReceiveStatus>();
        Assert.Equal(0, status.ActiveSessions(frontend.Id));

        using var smtp = new SmtpClient { Timeout = 15_000 };
        // The count goes up before the session writes its greeting, so once ConnectAsync has read the 220 it is visible.
        await smtp.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);

        Assert.Equal(1, status.ActiveSessions(frontend.Id));
        Assert.Equal(0, status.ActiveSessions(client.Id));
        Assert.Equal(0, status.ActiveSessions(Guid.NewGuid()));
        await smtp.DisconnectAsync(quit: true);
    }

    public void Dispose() => stores.Dispose();
}
