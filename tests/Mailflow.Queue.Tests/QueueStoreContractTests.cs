using System.Diagnostics;
using System.Text;
using Mailflow.Server.Transport.Queue;
using Mailflow.Smtp;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Mailflow.Queue.Tests;

/// <summary>
/// What the store sink and the queue store promise, run against each store (SQLite file,
/// PostgreSQL database) through the real migrations.
/// </summary>
public abstract class QueueStoreContractTests(ITestOutputHelper output) : IAsyncLifetime
{
    protected TestStore Store { get; private set; } = null!;
    protected ITestOutputHelper Output { get; } = output;

    protected abstract Task<TestStore> CreateStoreAsync();

    /// <summary>Makes the store's queue writers wait (a held write lock) until the result is disposed.</summary>
    protected abstract Task<IAsyncDisposable> BlockQueueWritesAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task Commit_StoresEnvelopeAndContentExactly_WhenMessageIsSmall()
    {
        var receivedAt = Store.Time.GetUtcNow().AddSeconds(-2);
        var envelope = TestMessages.Envelope(receivedAt);
        var content = TestMessages.Content(5 * 1024);

        var queueId = await TestMessages.StoreAsync(Store.Sink, envelope, content, chunkSize: 1000);

        var message = await Store.Queue.FindAsync(queueId, CancellationToken.None);
        Assert.NotNull(message);
        Assert.Equal(QueuedMessageState.Submitted, message.State);
        Assert.Equal("alice@sender.test", message.Sender);
        Assert.Equal(BodyType.EightBitMime, message.BodyType);
        Assert.True(message.SmtpUtf8);
        Assert.Equal(DsnReturn.Headers, message.DsnReturn);
        Assert.Equal("env-42", message.DsnEnvelopeId);
        Assert.Equal("192.0.2.10", message.ClientAddress);
        Assert.Equal(40123, message.ClientPort);
        Assert.Equal("127.0.0.1:2525", message.LocalEndPoint);
        Assert.Equal("client.sender.test", message.HeloName);
        Assert.Equal("alice", message.AuthenticatedAs);
        Assert.Equal("Tls13", message.TlsProtocol);
        Assert.Equal("TLS_AES_256_GCM_SHA384", message.TlsCipher);
        Assert.Equal(TestMessages.ConnectorId, message.ReceiveConnectorId);
        Assert.Equal("Default Frontend", message.ReceiveConnectorName);
        Assert.Equal("node-a", message.ReceivingNode);
        Assert.Equal(receivedAt, message.ReceivedAt);
        Assert.Equal(Store.Time.GetUtcNow(), message.QueuedAt);
        Assert.Equal(Store.Time.GetUtcNow(), message.NextAttemptAt);
        Assert.Equal(content.Length, message.Size);
        Assert.Equal(TestMessages.Sha256(content), message.ContentSha256);
        Assert.Null(message.LeaseOwner);

        var recipients = message.Recipients.OrderBy(r => r.Id).ToList();
        Assert.Equal(["bob@mailflow.test", "carol@mailflow.test"], recipients.Select(r => r.Address));
        Assert.Equal(DsnNotify.Success | DsnNotify.Failure, recipients[0].Notify);
        Assert.Equal("rfc822;bob@mailflow.test", recipients[0].OriginalRecipient);
        Assert.Equal(DsnNotify.Unspecified, recipients[1].Notify);
        Assert.Null(recipients[1].OriginalRecipient);
        Assert.All(recipients, r => Assert.Equal(QueuedRecipientStatus.Scheduled, r.Status));
        Assert.All(recipients, r => Assert.Equal(0, r.AttemptCount));

        await using var stored = await Store.Queue.LoadContentAsync(message.Id, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(content, await TestMessages.ReadAllAsync(stored));
        Assert.True(await Store.Queue.VerifyContentAsync(message.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Commit_StoresContentByteForByte_WhenLargeMessageIsStreamedIn64KiBChunks()
    {
        var content = TestMessages.Content(3 * 1024 * 1024, seed: 7);
        var envelope = TestMessages.Envelope(Store.Time.GetUtcNow());

        await using var transaction = await Store.Sink.BeginAsync(envelope, CancellationToken.None);
        await TestMessages.WriteChunksAsync(transaction, content, 64 * 1024);
        // Beyond 64 KiB the staging spilled to a file, which is unlinked at creation: nothing to leak.
        Assert.Empty(Directory.Exists(Store.SpoolDirectory) ? Directory.GetFiles(Store.SpoolDirectory) : []);
        var queueId = await transaction.CommitAsync(CancellationToken.None);

        var message = await Store.Queue.FindAsync(queueId, CancellationToken.None);
        Assert.NotNull(message);
        Assert.Equal(content.Length, message.Size);
        Assert.Equal(TestMessages.Sha256(content), message.ContentSha256);
        await using var stored = await Store.Queue.LoadContentAsync(message.Id, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(TestMessages.Sha256(content), TestMessages.Sha256(await TestMessages.ReadAllAsync(stored)));
        Assert.True(await Store.Queue.VerifyContentAsync(message.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Commit_RecordsHeaderSummary_WhenHeadersAreEncoded()
    {
        // RFC 2047 encoded-word: "Grüße aus Zürich"
        var content = TestMessages.Content(4096, subject: "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?=", messageId: "<abc.123@sender.test>");

        var queueId = await TestMessages.StoreAsync(Store.Sink, TestMessages.Envelope(Store.Time.GetUtcNow()), content);

        var message = await Store.Queue.FindAsync(queueId, CancellationToken.None);
        Assert.NotNull(message);
        Assert.Equal("Grüße aus Zürich", message.Subject);
        Assert.Equal("Alice Example <alice@sender.test>", message.FromHeader);
        Assert.Equal("<abc.123@sender.test>", message.MessageIdHeader);
    }

    [Fact]
    public async Task Commit_StoresMessage_WhenHeaderSummaryHasBytesTextColumnsReject()
    {
        // A NUL and a raw 8-bit byte in the Subject: PostgreSQL text refuses NUL, so the summary must be cleaned.
        var content = TestMessages.Content(3000);
        var subject = Encoding.ASCII.GetBytes("Subject: ");
        var at = content.AsSpan().IndexOf(subject) + subject.Length;
        content[at] = 0;
        content[at + 1] = 0xE9;

        var queueId = await TestMessages.StoreAsync(Store.Sink, TestMessages.Envelope(Store.Time.GetUtcNow()), content);

        var message = (await Store.Queue.FindAsync(queueId, CancellationToken.None))!;
        Assert.DoesNotContain('\0', message.Subject!);
        Assert.EndsWith("arterly figures", message.Subject);
        Assert.True(await Store.Queue.VerifyContentAsync(message.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Abort_LeavesNothingInStore_WhenTransactionIsAborted()
    {
        var transaction = await Store.Sink.BeginAsync(TestMessages.Envelope(Store.Time.GetUtcNow()), CancellationToken.None);
        await TestMessages.WriteChunksAsync(transaction, TestMessages.Content(200_000), 64 * 1024);

        await transaction.AbortAsync();
        await transaction.DisposeAsync();

        await AssertStoreEmptyAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await transaction.CommitAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Dispose_LeavesNothingInStore_WhenTransactionWasNotCommitted()
    {
        await using (var transaction = await Store.Sink.BeginAsync(TestMessages.Envelope(Store.Time.GetUtcNow()), CancellationToken.None))
            await TestMessages.WriteChunksAsync(transaction, TestMessages.Content(100_000), 10_000);

        await AssertStoreEmptyAsync();
    }

    [Fact]
    public async Task VerifyContent_ReportsDamage_WhenStoredContentIsTruncated()
    {
        var queueId = await TestMessages.StoreAsync(Store.Sink, TestMessages.Envelope(Store.Time.GetUtcNow()), TestMessages.Content(8000));
        var message = (await Store.Queue.FindAsync(queueId, CancellationToken.None))!;
        Assert.True(await Store.Queue.VerifyContentAsync(message.Id, CancellationToken.None));

        await using (var db = await Store.CreateDbContextAsync())
            await db.MessageContents.Where(c => c.MessageId == message.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Data, new byte[] { 1, 2, 3 }));

        Assert.False(await Store.Queue.VerifyContentAsync(message.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Claim_ReturnsEachMessageOnce_WhileLeaseIsHeld()
    {
        var ids = await StoreMessagesAsync(3);

        var first = await Store.Queue.ClaimAsync("worker-1", 2, TimeSpan.FromMinutes(5));
        var second = await Store.Queue.ClaimAsync("worker-2", 5, TimeSpan.FromMinutes(5));
        var third = await Store.Queue.ClaimAsync("worker-3", 5, TimeSpan.FromMinutes(5));

        Assert.Equal(2, first.Count);
        Assert.Single(second);
        Assert.Empty(third);
        Assert.Equal(ids.Order(), first.Concat(second).Select(c => c.Message.QueueId).Order());
        Assert.All(first, c => Assert.Equal(Store.Time.GetUtcNow().AddMinutes(5), c.Lease.Until));
        Assert.All(first, c => Assert.Equal(2, c.Message.Recipients.Count));
        Assert.All(second, c => Assert.Equal("worker-2", c.Lease.Owner));
    }

    [Fact]
    public async Task Claim_TakesMessageAgain_WhenLeaseExpired()
    {
        await StoreMessagesAsync(1);
        var crashed = Assert.Single(await Store.Queue.ClaimAsync("worker-1", 10, TimeSpan.FromMinutes(5)));

        Store.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(await Store.Queue.ClaimAsync("worker-2", 10, TimeSpan.FromMinutes(5)));
        Store.Time.Advance(TimeSpan.FromMinutes(1));
        var taken = Assert.Single(await Store.Queue.ClaimAsync("worker-2", 10, TimeSpan.FromMinutes(5)));

        Assert.Equal(crashed.Message.Id, taken.Message.Id);
        Assert.NotEqual(crashed.Lease.Token, taken.Lease.Token);
        // The worker that lost its lease can no longer write.
        var recipient = crashed.Message.Recipients[0].Id;
        Assert.False(await Store.Queue.RecordDeliveredAsync(crashed.Lease, recipient, new DeliveryResponse("250 ok"), CancellationToken.None));
        Assert.False(await Store.Queue.ReleaseAsync(crashed.Lease));
        Assert.Null(await Store.Queue.RenewLeaseAsync(crashed.Lease, TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.True(await Store.Queue.RecordDeliveredAsync(taken.Lease, recipient, new DeliveryResponse("250 ok"), CancellationToken.None));
    }

    [Fact]
    public async Task ClaimPerNextHop_TakesOnlyMessagesWithOpenRecipientsThere_AndListsHopsWithDueWork()
    {
        var ids = await StoreMessagesAsync(4);
        // Messages 0–2 wait on hop A (message 2 also on B, where it was delivered already); message 3 on B.
        await using (var db = await Store.CreateDbContextAsync())
        {
            await db.QueuedMessages.ExecuteUpdateAsync(s => s.SetProperty(m => m.State, QueuedMessageState.Categorized));
            var messages = await db.QueuedMessages.Include(m => m.Recipients).OrderBy(m => m.Id).ToListAsync();
            for (var i = 0; i < messages.Count; i++)
            {
                var recipients = messages[i].Recipients.OrderBy(r => r.Id).ToList();
                recipients[0].NextHopKey = i < 3 ? "hop-a" : "hop-b";
                recipients[1].NextHopKey = i < 2 ? "hop-a" : "hop-b";
                if (i == 2)
                    recipients[1].Status = QueuedRecipientStatus.Delivered;
            }
            await db.SaveChangesAsync();
        }

        Assert.Equal(["hop-a", "hop-b"], (await Store.Queue.ListClaimableNextHopsAsync([], 10, CancellationToken.None)).Order());
        Assert.Equal(["hop-b"], await Store.Queue.ListClaimableNextHopsAsync(["hop-a"], 10, CancellationToken.None));

        var onB = await Store.Queue.ClaimAsync("node-x/1", 10, TimeSpan.FromMinutes(5), QueuedMessageState.Categorized, nextHopKey: "hop-b");
        Assert.Equal([ids[3]], onB.Select(c => c.Message.QueueId));
        var onA = await Store.Queue.ClaimAsync("node-x/1", 2, TimeSpan.FromMinutes(5), QueuedMessageState.Categorized, nextHopKey: "hop-a");
        Assert.Equal([ids[0], ids[1]], onA.Select(c => c.Message.QueueId));
        Assert.Equal(["hop-a"], await Store.Queue.ListClaimableNextHopsAsync([], 10, CancellationToken.None));
        Assert.Empty(await Store.Queue.ClaimAsync("node-x/1", 10, TimeSpan.FromMinutes(5), QueuedMessageState.Categorized, nextHopKey: "hop-b"));
    }

    [Fact]
    public async Task TakeOverLeases_EndsOnlyTheSilentNodesLeases_SoAnotherNodeClaimsAtOnce()
    {
        await StoreMessagesAsync(3);
        var dead = await Store.Queue.ClaimAsync("node-dead/categorizer/41", 2, TimeSpan.FromMinutes(5));
        var alive = Assert.Single(await Store.Queue.ClaimAsync("node-dead-not/7", 5, TimeSpan.FromMinutes(5)));
        Assert.Equal(2, dead.Count);
        Assert.Empty(await Store.Queue.ClaimAsync("node-b/9", 5, TimeSpan.FromMinutes(5)));

        Assert.Equal(2, await Store.Queue.TakeOverLeasesAsync("node-dead", CancellationToken.None));

        var taken = await Store.Queue.ClaimAsync("node-b/9", 5, TimeSpan.FromMinutes(5));
        Assert.Equal(dead.Select(c => c.Message.Id).Order(), taken.Select(c => c.Message.Id).Order());
        // Taking over counts as a crash of the dead worker (a message that kills nodes ends in Poison).
        Assert.All(taken, c => Assert.Equal(1, c.Message.CrashCount));
        // The dead node's late writes are refused; the live node's lease is untouched.
        Assert.False(await Store.Queue.ReleaseAsync(dead[0].Lease));
        Assert.True(await Store.Queue.ReleaseAsync(alive.Lease));
        Assert.Equal(0, await Store.Queue.TakeOverLeasesAsync("node-dead", CancellationToken.None));
    }

    [Fact]
    public async Task RenewLease_KeepsOtherClaimersOut_WhenRenewedBeforeExpiry()
    {
        await StoreMessagesAsync(1);
        var claim = Assert.Single(await Store.Queue.ClaimAsync("worker-1", 1, TimeSpan.FromMinutes(5)));

        Store.Time.Advance(TimeSpan.FromMinutes(4));
        var renewed = await Store.Queue.RenewLeaseAsync(claim.Lease, TimeSpan.FromMinutes(5), CancellationToken.None);
        Store.Time.Advance(TimeSpan.FromMinutes(4));

        Assert.NotNull(renewed);
        Assert.Equal(Store.Time.GetUtcNow().AddMinutes(1), renewed.Until);
        Assert.Empty(await Store.Queue.ClaimAsync("worker-2", 1, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Release_SchedulesOnlyDeferredRecipients_UntilAllAreFinal()
    {
        var queueId = (await StoreMessagesAsync(1))[0];
        var claim = Assert.Single(await Store.Queue.ClaimAsync("categorizer", 1, TimeSpan.FromMinutes(5), QueuedMessageState.Submitted));
        Assert.True(await Store.Queue.ReleaseAsync(claim.Lease, QueuedMessageState.Categorized));
        Assert.Empty(await Store.Queue.ClaimAsync("categorizer", 1, TimeSpan.FromMinutes(5), QueuedMessageState.Submitted));

        claim = Assert.Single(await Store.Queue.ClaimAsync("delivery", 1, TimeSpan.FromMinutes(5), QueuedMessageState.Categorized));
        var (bob, carol) = (claim.Message.Recipients.Single(r => r.Address.StartsWith("bob")), claim.Message.Recipients.Single(r => r.Address.StartsWith("carol")));
        var retryAt = Store.Time.GetUtcNow().AddMinutes(10);
        Assert.True(await Store.Queue.RecordDeliveredAsync(claim.Lease, bob.Id, new DeliveryResponse("250 2.0.0 ok", 250, "mx.remote.test"), CancellationToken.None));
        Assert.True(await Store.Queue.DeferRecipientAsync(claim.Lease, carol.Id, new DeliveryResponse("451 4.7.1 try later", 451, "mx.remote.test"), retryAt, CancellationToken.None));
        Assert.True(await Store.Queue.ReleaseAsync(claim.Lease));

        var deferred = (await Store.Queue.FindAsync(queueId, CancellationToken.None))!;
        Assert.Equal(QueuedMessageState.Categorized, deferred.State);
        Assert.Equal(retryAt, deferred.NextAttemptAt);
        Assert.Null(deferred.LeaseToken);
        var carolRow = deferred.Recipients.Single(r => r.Id == carol.Id);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, carolRow.Status);
        Assert.Equal(1, carolRow.AttemptCount);
        Assert.Equal(451, carolRow.LastReplyCode);
        Assert.Equal("451 4.7.1 try later", carolRow.LastResponse);
        Assert.Equal("mx.remote.test", carolRow.LastRemoteHost);
        Assert.Equal(QueuedRecipientStatus.Delivered, deferred.Recipients.Single(r => r.Id == bob.Id).Status);

        Store.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(await Store.Queue.ClaimAsync("delivery", 1, TimeSpan.FromMinutes(5)));
        Store.Time.Advance(TimeSpan.FromMinutes(1));
        claim = Assert.Single(await Store.Queue.ClaimAsync("delivery", 1, TimeSpan.FromMinutes(5)));
        Assert.True(await Store.Queue.RecordPermanentFailureAsync(claim.Lease, carol.Id, new DeliveryResponse("550 5.1.1 no such user", 550, "mx.remote.test"), CancellationToken.None));
        Assert.True(await Store.Queue.ReleaseAsync(claim.Lease));

        var done = (await Store.Queue.FindAsync(queueId, CancellationToken.None))!;
        Assert.Equal(QueuedMessageState.Completed, done.State);
        Assert.Null(done.NextAttemptAt);
        Assert.Equal(2, done.Recipients.Single(r => r.Id == carol.Id).AttemptCount);
        Store.Time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await Store.Queue.ClaimAsync("delivery", 1, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task ListMessages_FiltersAndPages_WhenQueueHoldsSeveralMessages()
    {
        string[] subjects = ["Invoice 1", "Invoice 2", "Holiday photos", "invoice reminder", "Lunch", "Minutes", "Re: INVOICE 3"];
        for (var i = 0; i < subjects.Length; i++)
        {
            Store.Time.Advance(TimeSpan.FromSeconds(1));
            var sender = i % 2 == 0 ? "billing@vendor.test" : "friend@elsewhere.test";
            string[] recipients = i == 4 ? ["dave@mailflow.test"] : ["bob@mailflow.test"];
            await TestMessages.StoreAsync(Store.Sink, TestMessages.Envelope(Store.Time.GetUtcNow(), sender, recipients),
                TestMessages.Content(3000, subject: subjects[i], seed: i));
        }

        var all = await Store.Queue.ListMessagesAsync(new QueueMessageQuery(), CancellationToken.None);
        Assert.Equal(7, all.TotalCount);
        Assert.Equal(subjects.Reverse(), all.Messages.Select(m => m.Subject));
        Assert.All(all.Messages, m => Assert.Equal(1, m.RecipientCount));

        var invoices = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { SubjectContains = "INVOICE" }, CancellationToken.None);
        Assert.Equal(["Re: INVOICE 3", "invoice reminder", "Invoice 2", "Invoice 1"], invoices.Messages.Select(m => m.Subject));

        var billing = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { Sender = "Billing@" }, CancellationToken.None);
        Assert.Equal(4, billing.TotalCount);
        Assert.All(billing.Messages, m => Assert.Equal("billing@vendor.test", m.Sender));

        var dave = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { Recipient = "dave" }, CancellationToken.None);
        Assert.Equal("Lunch", Assert.Single(dave.Messages).Subject);

        var claimed = Assert.Single(await Store.Queue.ClaimAsync("categorizer", 1, TimeSpan.FromMinutes(1)));
        Assert.True(await Store.Queue.ReleaseAsync(claimed.Lease, QueuedMessageState.Categorized));
        var categorized = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { State = QueuedMessageState.Categorized }, CancellationToken.None);
        Assert.Equal(claimed.Message.Id, Assert.Single(categorized.Messages).Id);

        var pages = new List<QueuedMessageSummary>();
        for (var skip = 0; skip < 9; skip += 3)
        {
            var page = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { Skip = skip, Take = 3 }, CancellationToken.None);
            Assert.Equal(7, page.TotalCount);
            pages.AddRange(page.Messages);
        }
        Assert.Equal(all.Messages.Select(m => m.Id), pages.Select(m => m.Id));
    }

    [Fact]
    public async Task Commits_ShareOneStoreTransaction_WhenSessionsCommitWhileTheStoreIsBusy()
    {
        var envelope = TestMessages.Envelope(Store.Time.GetUtcNow());
        var contents = Enumerable.Range(1, 20).Select(i => TestMessages.Content(5000, seed: i)).ToList();
        var batchesBefore = Store.Committer.CommittedBatches;

        List<Task<string>> commits;
        await using (await BlockQueueWritesAsync())
        {
            // Each commit reaches the committer's queue before StoreAsync first yields (5 KB stays in memory).
            commits = contents.Select(c => TestMessages.StoreAsync(Store.Sink, envelope, c)).ToList();
            Assert.DoesNotContain(commits, c => c.IsCompleted);
        }
        var ids = await Task.WhenAll(commits).WaitAsync(TimeSpan.FromMinutes(1));

        // The first batch may have taken only the first message(s) before it waited for the lock; everything
        // that queued up meanwhile went into the next one.
        Assert.InRange(Store.Committer.CommittedBatches - batchesBefore, 1, 2);
        Assert.Equal(ids.Length, ids.Distinct().Count());
        for (var i = 0; i < ids.Length; i++)
        {
            var message = (await Store.Queue.FindAsync(ids[i], CancellationToken.None))!;
            Assert.Equal(TestMessages.Sha256(contents[i]), message.ContentSha256);
            Assert.True(await Store.Queue.VerifyContentAsync(message.Id, CancellationToken.None));
            Assert.Equal(["bob@mailflow.test", "carol@mailflow.test"], message.Recipients.OrderBy(r => r.Id).Select(r => r.Address));
        }
    }

    [Fact]
    public async Task BatchWithPoisonMessage_StoresTheOthers_AndAcknowledgesOnlyWhatIsStored()
    {
        var good = TestMessages.Content(5000, seed: 1);
        var other = TestMessages.Content(5000, seed: 2);
        var time = Store.Time.GetUtcNow();
        QueuedMessage Message(string queueId, byte[] content) => new()
        {
            QueueId = queueId,
            Sender = "alice@sender.test",
            ClientAddress = "192.0.2.10",
            LocalEndPoint = "127.0.0.1:2525",
            HeloName = "client.sender.test",
            ReceiveConnectorName = "Default Frontend",
            ReceivingNode = "node-a",
            ReceivedAt = time,
            Size = content.Length,
            ContentSha256 = TestMessages.Sha256(content),
            Recipients = [new QueuedRecipient { Address = "bob@mailflow.test" }],
        };

        Task<string> first, duplicate, last;
        await using (await BlockQueueWritesAsync())
        {
            first = Store.Committer.CommitAsync(Message("POISONTEST000001", good), new StagedBytes(good), CancellationToken.None);
            // Same queue id: the unique index refuses it, which fails whichever batch it is in.
            duplicate = Store.Committer.CommitAsync(Message("POISONTEST000001", other), new StagedBytes(other), CancellationToken.None);
            last = Store.Committer.CommitAsync(Message("POISONTEST000002", other), new StagedBytes(other), CancellationToken.None);
        }

        Assert.Equal("POISONTEST000001", await first.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("POISONTEST000002", await last.WaitAsync(TimeSpan.FromMinutes(1)));
        await Assert.ThrowsAnyAsync<Exception>(() => duplicate.WaitAsync(TimeSpan.FromMinutes(1)));

        var stored = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { Take = 10 }, CancellationToken.None);
        Assert.Equal(["POISONTEST000001", "POISONTEST000002"], stored.Messages.Select(m => m.QueueId).Order());
        var firstStored = (await Store.Queue.FindAsync("POISONTEST000001", CancellationToken.None))!;
        Assert.Equal(TestMessages.Sha256(good), firstStored.ContentSha256);
        Assert.True(await Store.Queue.VerifyContentAsync(firstStored.Id, CancellationToken.None));
        var lastStored = (await Store.Queue.FindAsync("POISONTEST000002", CancellationToken.None))!;
        Assert.True(await Store.Queue.VerifyContentAsync(lastStored.Id, CancellationToken.None));
        Assert.Equal("bob@mailflow.test", Assert.Single(lastStored.Recipients).Address);
    }

    [Fact]
    public async Task ListMessages_SortsAndDrillsIntoOneNextHop_WhenTheViewerAsks()
    {
        (string Subject, long Size)[] seeds = [("Bravo", 5000), ("Alpha", 3000), ("Charlie", 4000)];
        for (var i = 0; i < seeds.Length; i++)
        {
            Store.Time.Advance(TimeSpan.FromSeconds(1));
            await TestMessages.StoreAsync(Store.Sink, TestMessages.Envelope(Store.Time.GetUtcNow()),
                TestMessages.Content((int)seeds[i].Size, subject: seeds[i].Subject, seed: i));
        }

        var bySubject = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { SortBy = QueueMessageSort.Subject, Descending = false }, CancellationToken.None);
        Assert.Equal(["Alpha", "Bravo", "Charlie"], bySubject.Messages.Select(m => m.Subject));
        var bySizeDescending = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { SortBy = QueueMessageSort.Size, Descending = true }, CancellationToken.None);
        Assert.Equal(bySizeDescending.Messages.Select(m => m.Size).OrderDescending(), bySizeDescending.Messages.Select(m => m.Size));
        var oldestFirst = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { Descending = false }, CancellationToken.None);
        Assert.Equal(["Bravo", "Alpha", "Charlie"], oldestFirst.Messages.Select(m => m.Subject));

        // Route Alpha's recipients to one next hop; a delivered recipient there no longer counts.
        await using (var db = await Store.CreateDbContextAsync())
        {
            var alpha = await db.QueuedMessages.Where(m => m.Subject == "Alpha").Select(m => m.Id).SingleAsync();
            var charlie = await db.QueuedMessages.Where(m => m.Subject == "Charlie").Select(m => m.Id).SingleAsync();
            await db.QueuedRecipients.Where(r => r.MessageId == alpha).ExecuteUpdateAsync(u => u.SetProperty(r => r.NextHopKey, "smtp:hop-a"));
            await db.QueuedRecipients.Where(r => r.MessageId == charlie)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.NextHopKey, "smtp:hop-a").SetProperty(r => r.Status, QueuedRecipientStatus.Delivered));
        }
        var hopA = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { NextHopKey = "smtp:hop-a" }, CancellationToken.None);
        Assert.Equal("Alpha", Assert.Single(hopA.Messages).Subject);
        Assert.Equal(1, hopA.TotalCount);
    }

    [Fact]
    public async Task CommitThroughput_IsReported_For5KiBMessages()
    {
        const int sequential = 200, concurrent = 400, writers = 8;
        var content = TestMessages.Content(5 * 1024);
        var envelope = TestMessages.Envelope(Store.Time.GetUtcNow());
        await TestMessages.StoreAsync(Store.Sink, envelope, content); // warm-up (JIT, pools)

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < sequential; i++)
            await TestMessages.StoreAsync(Store.Sink, envelope, content);
        var sequentialRate = sequential / clock.Elapsed.TotalSeconds;

        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < concurrent / writers; i++)
                await TestMessages.StoreAsync(Store.Sink, envelope, content);
        })));
        var concurrentRate = concurrent / clock.Elapsed.TotalSeconds;

        Output.WriteLine($"{Store.Settings.Provider}: 5 KiB commits: {sequentialRate:F0} msg/s sequential, {concurrentRate:F0} msg/s with {writers} concurrent writers");
        var listed = await Store.Queue.ListMessagesAsync(new QueueMessageQuery { Take = 1 }, CancellationToken.None);
        Assert.Equal(1 + sequential + concurrent, listed.TotalCount);
    }

    [Fact]
    public async Task KilledSinkProcess_LosesNoAcknowledgedMessage_WhenKilledWithSigkill()
    {
        const int acknowledgedBeforeKill = 25;
        var acknowledged = await SinkHostProcess.RunAndKillAsync(Store.Settings, Store.DataDirectory, acknowledgedBeforeKill, Output);

        Assert.True(acknowledged.Count >= acknowledgedBeforeKill);
        foreach (var (queueId, sha256) in acknowledged)
        {
            var message = await Store.Queue.FindAsync(queueId, CancellationToken.None);
            Assert.True(message is not null, $"acknowledged {queueId} is missing");
            Assert.Equal(sha256, message.ContentSha256);
            Assert.Equal(2, message.Recipients.Count);
            Assert.True(await Store.Queue.VerifyContentAsync(message.Id, CancellationToken.None), $"content of {queueId} is damaged");
        }
        // Nothing half-stored either: every row that exists is a whole message (the kill may have landed mid-commit).
        await using var db = await Store.CreateDbContextAsync();
        var storedIds = await db.QueuedMessages.Select(m => m.Id).ToListAsync();
        Assert.InRange(storedIds.Count, acknowledged.Count, acknowledged.Count + 1);
        foreach (var id in storedIds)
            Assert.True(await Store.Queue.VerifyContentAsync(id, CancellationToken.None));
        // The killed process's staging files were unlinked when created: none is left behind.
        Assert.Empty(Directory.Exists(Store.SpoolDirectory) ? Directory.GetFiles(Store.SpoolDirectory) : []);
    }

    protected async Task<List<string>> StoreMessagesAsync(int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await TestMessages.StoreAsync(Store.Sink, TestMessages.Envelope(Store.Time.GetUtcNow()), TestMessages.Content(2000, seed: i)));
            Store.Time.Advance(TimeSpan.FromMilliseconds(10));
        }
        return ids;
    }

    private async Task AssertStoreEmptyAsync()
    {
        await using var db = await Store.CreateDbContextAsync();
        Assert.Equal(0, await db.QueuedMessages.CountAsync());
        Assert.Equal(0, await db.QueuedRecipients.CountAsync());
        Assert.Equal(0, await db.MessageContents.CountAsync());
        Assert.Empty(Directory.Exists(Store.SpoolDirectory) ? Directory.GetFiles(Store.SpoolDirectory) : []);
    }
}
