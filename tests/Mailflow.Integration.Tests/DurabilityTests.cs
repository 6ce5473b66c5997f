using System.Collections.Concurrent;
using System.Security.Cryptography;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// "A message answered 250 is never lost": the server is killed with SIGKILL while clients are in
/// the middle of sending; every message that got its 250 must be in the store, whole, after the
/// kill and after a restart.
/// </summary>
public sealed class DurabilityTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int Senders = 4;
    private const int AcknowledgedBeforeKill = 40;
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task EveryAcknowledgedMessage_SurvivesKill9AndRestart(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-crash-").FullName;
        var port = FreePort.Get();
        var acknowledged = new ConcurrentBag<string>();
        await using (var server = await ServerProcess.StartAsync(store, dataDirectory, port))
        {
            using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var senders = Enumerable.Range(0, Senders).Select(i => SendUntilKilledAsync(port, i, acknowledged, enough.Token)).ToList();
            while (acknowledged.Count < AcknowledgedBeforeKill && !enough.IsCancellationRequested)
                await Task.Delay(20);
            Assert.True(acknowledged.Count >= AcknowledgedBeforeKill, $"only {acknowledged.Count} messages acknowledged before the time limit:\n{server.Output}");

            await server.KillAsync();
            await Task.WhenAll(senders);
        }

        var ids = acknowledged.ToArray();
        await AssertStoredWholeAsync(store, ids);

        // The restarted server opens the same store and keeps every message.
        await using (var restarted = await ServerProcess.StartAsync(store, dataDirectory, port))
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            Assert.StartsWith("2.6.0", await client.SendAsync(Message(-1, 0)));
            await client.DisconnectAsync(true);
        }
        await AssertStoredWholeAsync(store, ids);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }

    private static async Task SendUntilKilledAsync(int port, int sender, ConcurrentBag<string> acknowledged, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, cancellationToken);
            for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
            {
                var reply = await client.SendAsync(Message(sender, n), cancellationToken);
                acknowledged.Add(reply.Split('<', '>')[1]);
            }
        }
        catch (Exception ex) when (ex is IOException or SmtpProtocolException or ServiceNotConnectedException or OperationCanceledException or System.Net.Sockets.SocketException or SmtpCommandException)
        {
            // The server died mid-conversation: whatever was not acknowledged may be lost; the client would retry it.
        }
    }

    private static MimeMessage Message(int sender, int n) => new()
    {
        From = { MailboxAddress.Parse($"sender{sender}@fabrikam.test") },
        To = { MailboxAddress.Parse("postmaster@contoso.test") },
        Subject = $"crash test {sender}/{n}",
        Body = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat($"line {n} of a message that must survive\r\n", 120)) },
    };

    private static async Task AssertStoredWholeAsync(StoreSettings store, IReadOnlyCollection<string> queueIds)
    {
        await using var db = TestStores.OpenContext(store);
        var messages = await db.QueuedMessages.AsNoTracking().Where(m => queueIds.Contains(m.QueueId)).ToListAsync();
        Assert.Equal(queueIds.Order(), messages.Select(m => m.QueueId).Order());
        foreach (var message in messages)
        {
            var content = await db.MessageContents.AsNoTracking().SingleAsync(c => c.MessageId == message.Id);
            Assert.Equal(message.Size, content.Data.LongLength);
            Assert.Equal(message.ContentSha256, Convert.ToHexStringLower(SHA256.HashData(content.Data)));
        }
    }

    public void Dispose() => stores.Dispose();
}
