using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Queue;
using Mailflow.Server.Hosting;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Smtp;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// A node with the real registrations (AddMailflowCore, AddMessageQueue, AddMailDelivery) on a real
/// store, with a fake clock; hosted services (configuration refresh, tracker) running, the queue
/// manager started on demand. It also plays the categorizer: <see cref="EnqueueAsync"/> stores a
/// message through the sink, then sets each recipient's next hop key and the state Categorized,
/// exactly what the categorizer will do, and rings the queue manager.
/// </summary>
public sealed class DeliveryNode : IAsyncDisposable
{
    private readonly List<IHostedService> _started = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _processed = new();
    private bool _managerRunning;

    private DeliveryNode(ServiceProvider services, FakeTimeProvider time, string dataDirectory)
    {
        Services = services;
        Time = time;
        DataDirectory = dataDirectory;
    }

    public ServiceProvider Services { get; }
    public FakeTimeProvider Time { get; }
    public string DataDirectory { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();
    public QueueStore Queue => Get<QueueStore>();
    public QueueManager Manager => Get<QueueManager>();
    public MessageTracker Tracker => Get<MessageTracker>();

    /// <param name="settings">Extra configuration (e.g. Mailflow:Dns:Servers for a loopback zone).</param>
    public static async Task<DeliveryNode> StartAsync(StoreSettings store, string nodeName = "node-a", string? owner = null, FakeTimeProvider? time = null,
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-delivery-node-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mailflow:NodeName"] = nodeName,
            ["Mailflow:Fqdn"] = nodeName + ".mailflow.test",
            ["Mailflow:DataDirectory"] = dataDirectory,
            ["Mailflow:DefaultDomain"] = "mailflow.test",
            ["Mailflow:ConfigPollIntervalSeconds"] = "60",
            ["Mailflow:Queue:OwnerName"] = owner ?? nodeName,
            // Nodes of one cluster share the key-encryption certificate.
            [TestKeyEncryption.SettingKey] = TestKeyEncryption.CertificatePath,
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var collection = new ServiceCollection()
            .AddLogging()
            .AddMailflowCore(configuration, store)
            .AddSingleton<TimeProvider>(time)
            .AddMessageQueue()
            .AddMailFlowDecisions(configuration)
            .AddMailDelivery(configuration, runQueueManager: false);
        // The quarantine (Rspamd learning on release) takes the Rspamd client the protection agents register
        // in the server; the moderation-reply agent reaches it through IQuarantine when Test mail flow lists the agents.
        collection.AddHttpClient<Mailflow.Server.Transport.Agents.AntiSpam.RspamdClient>();
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        var node = new DeliveryNode(provider, time, dataDirectory);
        await using (var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            await db.Database.MigrateAsync();
        foreach (var seeder in provider.GetServices<IStartupSeeder>())
            await seeder.SeedAsync(CancellationToken.None);
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
            node._started.Add(hosted);
        }
        node.Manager.MessageProcessed += queueId => node._processed.GetOrAdd(queueId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return node;
    }

    public async Task StartManagerAsync()
    {
        await Manager.StartAsync(CancellationToken.None);
        _managerRunning = true;
    }

    public async Task StopManagerAsync()
    {
        if (_managerRunning)
            await Manager.StopAsync(CancellationToken.None);
        _managerRunning = false;
    }

    /// <summary>Waits (bounded) until the manager released <paramref name="queueId"/> once more than it had before the call's <paramref name="since"/> token.</summary>
    public Task WaitProcessedAsync(string queueId, TimeSpan? timeout = null) =>
        _processed.GetOrAdd(queueId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
            .WaitAsync(timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Forget that <paramref name="queueId"/> was processed, to wait for its next pass.</summary>
    public void ResetProcessed(string queueId) => _processed.TryRemove(queueId, out _);

    public Task<MailflowDbContext> CreateDbContextAsync() => Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();

    /// <summary>Stores a message through the real sink and categorizes it: every recipient gets <paramref name="nextHop"/>(address).</summary>
    public async Task<string> EnqueueAsync(byte[] content, string sender, IEnumerable<(string Address, DsnNotify Notify, string? Orcpt)> recipients,
        Func<string, string> nextHop, DsnReturn ret = DsnReturn.Unspecified, BodyType body = BodyType.SevenBit, string? authenticatedAs = null, bool requireTls = false)
    {
        var envelope = new MessageEnvelope(sender,
            recipients.Select(r => new EnvelopeRecipient(r.Address, r.Notify, r.Orcpt)).ToList(),
            body, false, ret, "env-7",
            new ClientInfo(IPAddress.Parse("192.0.2.10"), 40000, new IPEndPoint(IPAddress.Loopback, 25), "client.sender.test", authenticatedAs, null, null),
            Guid.NewGuid(), "Default", Time.GetUtcNow(), "node-a")
        { RequireTls = requireTls };
        await using var transaction = await Get<Mailflow.Server.Transport.Queue.StoreMessageSink>().BeginAsync(envelope, CancellationToken.None);
        await transaction.WriteAsync(content, CancellationToken.None);
        var queueId = await transaction.CommitAsync(CancellationToken.None);
        await CategorizeAsync(queueId, nextHop);
        return queueId;
    }

    public Task<string> EnqueueAsync(byte[] content, string nextHopKey, params string[] recipients) =>
        EnqueueAsync(content, "alice@sender.test", recipients.Select(r => (r, DsnNotify.Unspecified, (string?)null)), _ => nextHopKey);

    /// <summary>What the categorizer does: next hop per recipient, then Categorized, then ring the queue manager.</summary>
    public async Task CategorizeAsync(string queueId, Func<string, string> nextHop)
    {
        await using (var db = await CreateDbContextAsync())
        {
            var message = await db.QueuedMessages.Include(m => m.Recipients).SingleAsync(m => m.QueueId == queueId);
            foreach (var recipient in message.Recipients)
                recipient.NextHopKey = nextHop(recipient.Address);
            message.State = QueuedMessageState.Categorized;
            await db.SaveChangesAsync();
        }
        Get<QueueSignals>().Signal(QueueEvent.MessageReady);
    }

    public async Task<QueuedMessage> FindAsync(string queueId) =>
        await Queue.FindAsync(queueId, CancellationToken.None) ?? throw new InvalidOperationException($"{queueId} is not in the queue.");

    /// <summary>DSN messages this node generated (Submitted, from the null sender).</summary>
    public async Task<List<QueuedMessage>> ListDsnsAsync()
    {
        await using var db = await CreateDbContextAsync();
        return await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients)
            .Where(m => m.Sender == "" && m.ReceiveConnectorName == Server.Transport.Notify.DeliveryNotifier.SubmissionConnectorName)
            .OrderBy(m => m.Id).ToListAsync();
    }

    public async Task<MimeKit.MimeMessage> LoadMimeAsync(QueuedMessage message)
    {
        await using var content = await Queue.LoadContentAsync(message.Id, CancellationToken.None) ?? throw new InvalidOperationException("No content.");
        return await MimeKit.MimeMessage.LoadAsync(content);
    }

    public async Task<Guid> CreateSmartHostConnectorAsync(string name, string host, int port, Action<SendConnector>? configure = null)
    {
        var connector = new SendConnector
        {
            Name = name,
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"{host}:{port}"],
        };
        configure?.Invoke(connector);
        var created = await Get<SendConnectorService>().CreateAsync(AdminActor.System, connector);
        await WaitForLatestGenerationAsync();
        return created.Id;
    }

    public async Task UpdateOrganizationAsync(Action<OrganizationSettings> change)
    {
        var service = Get<OrganizationSettingsService>();
        var settings = await service.GetAsync();
        change(settings);
        await service.UpdateAsync(AdminActor.System, settings);
        await WaitForLatestGenerationAsync();
    }

    public async Task CreateMaildirMailboxAsync(string address, string maildir)
    {
        await Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient
        {
            Kind = RecipientKind.Mailbox,
            DisplayName = address,
            PrimaryAddress = address,
            DeliveryKind = MailboxDeliveryKind.Maildir,
            DeliveryTarget = maildir,
        });
        await WaitForLatestGenerationAsync();
    }

    public async Task WaitForLatestGenerationAsync()
    {
        long latest;
        await using (var db = await CreateDbContextAsync())
            latest = await TransportConfigLoader.ReadLatestGenerationAsync(db, CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Get<TransportConfigProvider>().WaitForGenerationAsync(latest, cancel.Token);
    }

    public async Task<List<Mailflow.Tracking.MessageTrackingEvent>> TrackingEventsAsync(string queueId)
    {
        await Tracker.FlushAsync();
        await using var db = await CreateDbContextAsync();
        return await db.MessageTrackingEvents.AsNoTracking().Where(e => e.QueueId == queueId).OrderBy(e => e.Id).ToListAsync();
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public async ValueTask DisposeAsync()
    {
        await StopManagerAsync();
        foreach (var hosted in Enumerable.Reverse(_started))
            await hosted.StopAsync(CancellationToken.None);
        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
