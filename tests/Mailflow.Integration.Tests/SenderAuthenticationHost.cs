using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// A server whose DNS is a test's loopback zone, with sender authentication evaluating on the Default
/// Frontend, one mailbox, and every other domain relayed to a loopback SMTP sink: the setting of the
/// ARC and DMARC report tests.
/// </summary>
public static class SenderAuthenticationHost
{
    public static async Task<MailflowHost> StartAsync(TestStores stores, DatabaseProvider provider, LoopbackDnsServer dns, LoopbackSmtpServer remote, string mailbox)
    {
        var host = MailflowHost.Start(await stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Mailflow:Dns:Servers:0"] = $"127.0.0.1:{dns.EndPoint.Port}",
            ["Mailflow:Dns:TimeoutMilliseconds"] = "2000",
        });
        await host.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = mailbox });
        await host.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "Outbound via smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        var connectors = host.Get<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.SenderAuthentication = SenderAuthenticationMode.EvaluateAndTag;
        await connectors.UpdateAsync(AdminActor.System, frontend);
        return host;
    }

    /// <summary>Sends as an anonymous server to the Default Frontend.</summary>
    public static async Task SendAsync(MailflowHost host, MimeMessage message)
    {
        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }
}
