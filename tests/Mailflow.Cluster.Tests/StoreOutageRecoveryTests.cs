using System.Diagnostics;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Npgsql;

namespace Mailflow.Cluster.Tests;

/// <summary>
/// A bookkeeping write that fails because the store is away for a moment (here: PostgreSQL turned
/// read-only and its connections cut, then turned back) must not park the message for a lease period:
/// once the store accepts writes again, the message moves on within seconds, and no trace event is lost.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StoreOutageRecoveryTests(PostgresFixture postgres) : IDisposable
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly TestStores stores = new(postgres);

    [Fact]
    public async Task ACategorizationWriteTheStoreRefused_IsRetriedWithinSecondsOfRecovery()
    {
        var gate = new CategorizedGate();
        await using var remote = LoopbackSmtpServer.Start();
        var store = await stores.CreateAsync(DatabaseProvider.Postgres);
        await using var host = MailflowHost.Start(store, services: s => s.AddSingleton(gate).AddTransportAgent<CategorizedGateAgent>());
        await RelayToAsync(host, remote);

        var messageId = await SendAsync(host);
        // The categorizer holds the message (claimed, agent running); the store goes away under it.
        await gate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await using (var outage = await StoreOutage.BeginAsync(store))
        {
            gate.Open.SetResult();
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(QueuedMessageState.Submitted, (await ReadAsync(store, messageId)).State);
            Assert.Empty(remote.Messages);
        }
        var recovered = Stopwatch.StartNew();
        await WaitForAsync(() => remote.Messages.Count > 0, Prompt, "the message was not delivered after the store came back");
        Assert.True(recovered.Elapsed < Prompt, $"delivered {recovered.Elapsed} after recovery");
        await AssertTracedAsync(host, store, messageId, MessageTrackingEventKind.Send);
    }

    [Fact]
    public async Task ADeliveryOutcomeTheStoreRefused_IsWrittenWithinSecondsOfRecovery_WithoutDeliveringTwice()
    {
        var atData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var openData = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            BeforeReply = verb =>
            {
                if (verb != "DATA")
                    return Task.CompletedTask;
                atData.TrySetResult();
                return openData.Task;
            },
        });
        var store = await stores.CreateAsync(DatabaseProvider.Postgres);
        await using var host = MailflowHost.Start(store);
        await RelayToAsync(host, remote);

        var messageId = await SendAsync(host);
        await atData.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await using (var outage = await StoreOutage.BeginAsync(store))
        {
            // The remote accepts while the store is away: the outcome cannot be written now.
            openData.SetResult();
            await WaitForAsync(() => remote.Messages.Count > 0, TimeSpan.FromSeconds(10), "the remote never got the message");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.NotEqual(QueuedMessageState.Completed, (await ReadAsync(store, messageId)).State);
        }
        var recovered = Stopwatch.StartNew();
        await WaitForAsync(async () => (await ReadAsync(store, messageId)).State == QueuedMessageState.Completed, Prompt,
            "the outcome was not written after the store came back");
        Assert.True(recovered.Elapsed < Prompt, $"completed {recovered.Elapsed} after recovery");
        var message = await ReadAsync(store, messageId);
        Assert.Null(message.LeaseOwner);
        Assert.All(message.Recipients, r => Assert.Equal(QueuedRecipientStatus.Delivered, r.Status));
        Assert.Single(remote.Messages); // the outcome was written under the same lease, not delivered again
        Assert.True(host.Get<StoreWriteRetry>().Written >= 1);
        await AssertTracedAsync(host, store, messageId, MessageTrackingEventKind.Send);
        Assert.Equal(0, host.Get<MessageTracker>().UnwrittenCount);
    }

    private static async Task RelayToAsync(MailflowHost host, LoopbackSmtpServer remote)
    {
        await host.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "relay.test", Type = AcceptedDomainType.InternalRelay });
        await host.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "To the relay target",
            AddressSpaces = [new AddressSpace("relay.test")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        await host.WaitForLatestGenerationAsync();
    }

    private static async Task<string> SendAsync(MailflowHost host)
    {
        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse("alice@fabrikam.test") },
            To = { MailboxAddress.Parse("bob@relay.test") },
            Subject = "through an outage",
            MessageId = $"outage-{Guid.NewGuid():N}@fabrikam.test",
            Body = new TextPart("plain") { Text = "hello" },
        };
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
        return message.MessageId;
    }

    /// <summary>Reads the test's message on a connection of its own (the pooled ones are cut during the outage).</summary>
    private static async Task<QueuedMessage> ReadAsync(StoreSettings store, string messageId)
    {
        await using var db = TestStores.OpenContext(StoreOutage.Unpooled(store));
        return await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients).SingleAsync(); // the only message of the test
    }

    /// <summary>
    /// The message's trace has its Receive event and <paramref name="kind"/>, within 20 s. The delivery
    /// worker tracks the outcome just after it has written it, and the remote's copy arrives before
    /// both: on a loaded machine one flush can come too early, so flush and read until it is there.
    /// </summary>
    private static async Task AssertTracedAsync(MailflowHost host, StoreSettings store, string messageId, MessageTrackingEventKind kind)
    {
        var deadline = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var queueId = (await ReadAsync(store, messageId)).QueueId;
        List<MessageTrackingEventKind> kinds;
        while (true)
        {
            await host.Get<MessageTracker>().FlushAsync(timeout.Token);
            await using (var db = TestStores.OpenContext(StoreOutage.Unpooled(store)))
                kinds = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.QueueId == queueId).Select(e => e.Kind).ToListAsync(timeout.Token);
            if ((kinds.Contains(MessageTrackingEventKind.Receive) && kinds.Contains(kind)) || deadline.Elapsed > TimeSpan.FromSeconds(15))
                break;
            await Task.Delay(100, timeout.Token);
        }
        Assert.Contains(MessageTrackingEventKind.Receive, kinds);
        Assert.Contains(kind, kinds);
    }

    private static Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string failure) =>
        WaitForAsync(() => Task.FromResult(condition()), timeout, failure);

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
                Assert.Fail(failure);
            await Task.Delay(50);
        }
    }

    public void Dispose() => stores.Dispose();

    /// <summary>Holds the categorizer inside its "categorized" agent event until the test opens it.</summary>
    private sealed class CategorizedGate
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class CategorizedGateAgent(CategorizedGate gate) : ITransportAgent
    {
        public string Name => "CategorizedGate";
        public string DisplayName => "Categorized gate";
        public string Description => "integration test agent";
        public AgentEvents Events => AgentEvents.Categorized;
        public int DefaultPriority => 450;
        public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(60);

        public async ValueTask<AgentVerdict> OnCategorizedAsync(StoredMessageContext message, CancellationToken cancellationToken)
        {
            gate.Reached.TrySetResult();
            await gate.Open.Task.WaitAsync(cancellationToken);
            return AgentVerdict.Continue;
        }
    }

    /// <summary>
    /// The store away for a moment: the database turned read-only (every write fails) and every open
    /// connection to it cut; disposing turns it writable again and cuts the read-only connections.
    /// </summary>
    private sealed class StoreOutage(StoreSettings store) : IAsyncDisposable
    {
        public static StoreSettings Unpooled(StoreSettings store) => store with { ConnectionString = store.ConnectionString + ";Pooling=false" };

        public static async Task<StoreOutage> BeginAsync(StoreSettings store)
        {
            await RunAsync(store, "on");
            return new StoreOutage(store);
        }

        public async ValueTask DisposeAsync() => await RunAsync(store, "off");

        private static async Task RunAsync(StoreSettings store, string readOnly)
        {
            await using var connection = new NpgsqlConnection(Unpooled(store).ConnectionString);
            await connection.OpenAsync();
            var database = connection.Database;
            // This session itself started read-only when the database was.
            await using (var writable = new NpgsqlCommand("SET default_transaction_read_only = off", connection))
                await writable.ExecuteNonQueryAsync();
            await using (var alter = new NpgsqlCommand($"ALTER DATABASE \"{database}\" SET default_transaction_read_only = {readOnly}", connection))
                await alter.ExecuteNonQueryAsync();
            await using var cut = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
            await cut.ExecuteScalarAsync();
        }
    }
}
