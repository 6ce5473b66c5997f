using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Operations.Retention;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The completed-message retention in the real server, on both stores: a completed message whose last change is past
/// <see cref="LogRetentionSettings.CompletedMessageDays"/> goes with its content and recipients; a recent completed one,
/// an old one with a deferred recipient, a quarantined one and a leased one stay. A purged message's details answer a
/// clear 404 through the API and its tracking events still trace.
/// </summary>
public sealed class CompletedMessageRetentionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const string ApiKey = "mf_retention-test-key-0123456789abcdef0123";
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Cleaner_DeletesOldCompletedMessagesWithTheirContent_AndKeepsEverythingElse(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await using var host = MailflowHost.Start(store, new Dictionary<string, string?>
        {
            ["Mailflow:LogRetention:IntervalMinutes"] = "600",
            // Small batches, so the purge runs more than one delete.
            ["Mailflow:LogRetention:MessageBatchSize"] = "10",
            ["Mailflow:Admin:InitialApiKey"] = ApiKey,
        });
        var operations = host.Get<OperationsSettingsService>();
        var settings = await operations.GetAsync();
        Assert.Equal(LogRetentionDefaults.CompletedMessageDays, settings.LogRetention.CompletedMessageDays);
        await host.WaitForLatestGenerationAsync();

        var now = DateTimeOffset.UtcNow;
        var old = now.AddDays(-10);
        await using (var db = TestStores.OpenContext(store))
        {
            for (var i = 0; i < 25; i++)
                db.QueuedMessages.Add(Message($"oldcompleted{i}", QueuedMessageState.Completed, old, Final(QueuedRecipientStatus.Delivered, old), Final(QueuedRecipientStatus.PermanentFailure, old)));
            // Queued long ago, but its last attempt was yesterday: the last change counts, not the arrival.
            db.QueuedMessages.Add(Message("recentcompleted", QueuedMessageState.Completed, old, Final(QueuedRecipientStatus.Delivered, now.AddDays(-1))));
            db.QueuedMessages.Add(Message("olddeferred", QueuedMessageState.Categorized, old, Final(QueuedRecipientStatus.Delivered, old),
                new QueuedRecipient { Address = "later@fabrikam.test", Status = QueuedRecipientStatus.TemporaryFailure, AttemptCount = 3, LastAttemptAt = old, NextRetryAt = now.AddMinutes(5) }));
            // Even a row marked Completed is kept while a recipient is still open (the one definition: IsOpen).
            db.QueuedMessages.Add(Message("completedbutopen", QueuedMessageState.Completed, old, Final(QueuedRecipientStatus.Delivered, old),
                new QueuedRecipient { Address = "open@fabrikam.test", Status = QueuedRecipientStatus.Scheduled }));
            db.QueuedMessages.Add(Message("oldquarantined", QueuedMessageState.Quarantined, old, Final(QueuedRecipientStatus.Delivered, old)));
            db.QueuedMessages.Add(Message("oldsuspended", QueuedMessageState.Suspended, old, Final(QueuedRecipientStatus.Delivered, old)));
            db.QueuedMessages.Add(Message("oldpoison", QueuedMessageState.Poison, old, Final(QueuedRecipientStatus.Delivered, old)));
            var leased = Message("oldleased", QueuedMessageState.Completed, old, Final(QueuedRecipientStatus.Delivered, old));
            leased.LeaseOwner = "node-it";
            leased.LeaseToken = Guid.NewGuid();
            leased.LeaseUntil = now.AddMinutes(5);
            db.QueuedMessages.Add(leased);
            db.MessageTrackingEvents.Add(new MessageTrackingEvent
            {
                Time = old, Node = "node-it", Kind = MessageTrackingEventKind.Deliver, QueueId = "oldcompleted0", Sender = "alice@contoso.test",
                Recipients = "bob@fabrikam.test", RecipientCount = 1,
            });
            await db.SaveChangesAsync();
            foreach (var id in await db.QueuedMessages.Select(m => m.Id).ToListAsync())
                db.MessageContents.Add(new MessageContent { MessageId = id, Data = new byte[8 * 1024] });
            await db.SaveChangesAsync();
        }

        var result = await host.Get<LogRetentionCleaner>().CleanOnceAsync(CancellationToken.None);

        Assert.Equal(25, result.CompletedMessages);
        string[] kept = ["completedbutopen", "olddeferred", "oldleased", "oldpoison", "oldquarantined", "oldsuspended", "recentcompleted"];
        await using (var db = TestStores.OpenContext(store))
        {
            Assert.Equal(kept, (await db.QueuedMessages.Select(m => m.QueueId).ToListAsync()).Order(StringComparer.Ordinal));
            var keptIds = await db.QueuedMessages.Select(m => m.Id).ToListAsync();
            // Content and recipients went with their messages; the kept messages still have theirs.
            Assert.Equal(keptIds.Order(), (await db.MessageContents.Select(c => c.MessageId).ToListAsync()).Order());
            Assert.Equal(keptIds.Order(), (await db.QueuedRecipients.Select(r => r.MessageId).Distinct().ToListAsync()).Order());
            // Tracking events stay under their own retention.
            Assert.Equal(1, await db.MessageTrackingEvents.CountAsync(e => e.QueueId == "oldcompleted0"));
        }

        // The purged message: a clear 404 naming the retention, not a 500; its trace still answers.
        Assert.Null(await host.Get<IQueueOperations>().GetMessageAsync("oldcompleted0"));
        using var http = new HttpClient { BaseAddress = host.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using (var response = await http.GetAsync("/api/v1/messages/oldcompleted0"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(QueuedMessageAbsence.Text("oldcompleted0"), problem.RootElement.GetProperty("detail").GetString());
        }
        using (var response = await http.GetAsync("/api/v1/trace/oldcompleted0"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var response = await http.GetAsync("/api/v1/messages/recentcompleted"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Nothing more past the limit: nothing removed.
        result = await host.Get<LogRetentionCleaner>().CleanOnceAsync(CancellationToken.None);
        Assert.Equal(0, result.CompletedMessages);
    }

    private static QueuedRecipient Final(QueuedRecipientStatus status, DateTimeOffset at) => new()
    {
        Address = $"{status.ToString().ToLowerInvariant()}@fabrikam.test", Status = status, AttemptCount = 1, LastAttemptAt = at,
        LastReplyCode = status == QueuedRecipientStatus.Delivered ? 250 : 550, LastResponse = "done", FinalNotifiedAt = at,
    };

    private static QueuedMessage Message(string queueId, QueuedMessageState state, DateTimeOffset queuedAt, params QueuedRecipient[] recipients) => new()
    {
        QueueId = queueId, State = state, Sender = "alice@contoso.test", ClientAddress = "127.0.0.1", LocalEndPoint = "127.0.0.1:25", HeloName = "client.contoso.test",
        ReceiveConnectorName = "Default", ReceivingNode = "node-it", ReceivedAt = queuedAt, QueuedAt = queuedAt, Size = 8 * 1024, ContentSha256 = new string('0', 64),
        Subject = queueId, Recipients = [.. recipients],
        NextAttemptAt = state == QueuedMessageState.Completed ? null : DateTimeOffset.UtcNow.AddHours(1),
    };

    public void Dispose() => stores.Dispose();
}
