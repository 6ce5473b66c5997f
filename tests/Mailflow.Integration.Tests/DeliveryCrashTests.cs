using System.Collections.Concurrent;
using System.Globalization;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;
using Xunit.Abstractions;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Kill the server with SIGKILL while it is delivering: after a restart every accepted message must
/// reach the next hop. Delivery is at least once, so a message the remote accepted just before the
/// kill may arrive twice; the test reports how many did and requires that none is missing.
/// </summary>
public sealed class DeliveryCrashTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int Messages = 60;
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task EveryAcceptedMessage_IsDeliveredAfterKill9DuringDelivery(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            // Slow the remote down so the kill lands while deliveries are in flight.
            BeforeReply = verb => verb == "DATA" ? Task.Delay(20) : Task.CompletedTask,
        });
        var store = await stores.CreateAsync(provider);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-crash-deliver-").FullName;
        var port = FreePort.Get();
        var seed = new Dictionary<string, string?>
        {
            ["Mailflow:DefaultDomain"] = MailflowHost.DefaultDomain,
            ["Mailflow:Seed:BindAddress"] = "127.0.0.1",
            ["Mailflow:Seed:DefaultFrontendPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ClientFrontendPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ImplicitTlsPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
        };
        // Configure through the real services before the server starts: relay.test is an internal relay
        // domain (anonymous senders may send to it) whose mail goes to the loopback remote.
        await using (var admin = await TestNode.StartAsync(store, "setup", seed: true, settings: seed))
        {
            await admin.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "relay.test", Type = AcceptedDomainType.InternalRelay });
            await admin.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
            {
                Name = "To the relay target",
                AddressSpaces = [new AddressSpace("relay.test")],
                RoutingMethod = SendRoutingMethod.SmartHost,
                SmartHosts = [$"127.0.0.1:{remote.Port}"],
            });
        }

        var accepted = new ConcurrentBag<string>();
        await using (var server = await ServerProcess.StartAsync(store, dataDirectory, port))
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            for (var i = 0; i < Messages; i++)
            {
                var message = new MimeMessage
                {
                    From = { MailboxAddress.Parse("alice@fabrikam.test") },
                    To = { MailboxAddress.Parse($"user{i}@relay.test") },
                    Subject = $"crash delivery {i}",
                    MessageId = $"crash-{i}@fabrikam.test",
                    Body = new TextPart("plain") { Text = $"message {i}" },
                };
                await client.SendAsync(message);
                accepted.Add(message.MessageId);
            }
            await client.DisconnectAsync(true);
            // Kill once deliveries are under way but not finished.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (remote.Messages.Count < 5 && DateTime.UtcNow < deadline)
                await Task.Delay(10);
            await server.KillAsync();
        }
        var beforeRestart = remote.Messages.Count;

        await using (var restarted = await ServerProcess.StartAsync(store, dataDirectory, port))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (DistinctDelivered(remote).Count < Messages && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            var delivered = DistinctDelivered(remote);
            Assert.True(delivered.SetEquals(accepted), $"missing after restart: {string.Join(", ", accepted.Except(delivered))}\n{restarted.Output}");
        }
        var duplicates = remote.Messages.Count - Messages;
        output.WriteLine($"{provider}: {Messages} accepted, {beforeRestart} delivered before SIGKILL, {remote.Messages.Count} deliveries in all, {duplicates} delivered twice (remote accepted, then the kill before the queue recorded it).");
        Assert.InRange(duplicates, 0, 20);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }

    private static HashSet<string> DistinctDelivered(LoopbackSmtpServer remote) =>
        [.. remote.Messages.Select(m => MimeMessage.Load(new MemoryStream(m.Data)).MessageId ?? "")];

    public void Dispose() => stores.Dispose();
}
