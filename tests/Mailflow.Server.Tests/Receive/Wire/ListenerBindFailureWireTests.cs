using System.Net;
using System.Net.Sockets;
using Mailflow.Configuration;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>A binding whose port another program holds is reported with the connector and the system's reason, and the other connectors still listen.</summary>
public sealed class ListenerBindFailureWireTests
{
    [Fact]
    public async Task Update_WhenAPortIsTaken_ReportsThatBindingAndKeepsTheOtherConnectorsListening()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var takenPort = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var taken = ReceiveHost.Connector("Partner relay for the northwind traders subsidiary",
            configure: c => c.Bindings = [new IpBinding("127.0.0.1", takenPort)]);
        var free = ReceiveHost.Connector("Default Frontend");

        await using var host = await ReceiveHost.StartAsync(taken, free);

        var failure = Assert.Single(host.Host.BindFailures);
        Assert.Equal(taken.Id, failure.ConnectorId);
        Assert.Equal(taken.Name, failure.ConnectorName);
        Assert.Equal($"127.0.0.1:{takenPort}", failure.Binding);
        Assert.Contains("in use", failure.Reason, StringComparison.OrdinalIgnoreCase);
        await using (var client = await RawSmtpClient.ConnectAsync(host.Port(free.Bindings[0])))
            await client.ExpectAsync("220 mx.local.test");

        // The port is freed; the next configuration change binds it and the report clears.
        squatter.Stop();
        await host.Host.UpdateAsync([taken, free], CancellationToken.None);

        Assert.Empty(host.Host.BindFailures);
        await using var now = await RawSmtpClient.ConnectAsync(takenPort);
        await now.ExpectAsync("220 mx.local.test");
    }
}
