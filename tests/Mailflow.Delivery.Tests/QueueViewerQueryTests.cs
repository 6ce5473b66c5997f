using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// The queue viewer's paging, sorting, filtering, counting and filter-wide actions on both stores,
/// checked against the same questions answered in memory over a few hundred seeded messages. Speed is
/// measured by mailflow-bench (bench/README.md), not here.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueViewerQueryTests(PostgresFixture postgres) : IDisposable
{
    private const int MessageCount = 300;
    private static readonly AdminActor Admin = new("viewer-admin", new HashSet<string> { Mailflow.Identity.AdminRoles.OrganizationManagement });
    private static readonly string[] Hops = ["smtp:a:alpha.test", "smtp:b:beta.test", "smtp:c:gamma.test"];
    private static readonly string[] Subjects = ["Invoice 100% paid", "Weekly NEWSLETTER", "meeting_notes", "Re: Project status", null!];

    private readonly TestStores _stores = new(postgres);

    public void Dispose() => _stores.Dispose();

    public static TheoryData<DatabaseProvider> Providers => TestStores.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Pages_WhenConcatenated_AreTheWholeSortedList_ForEverySortColumnAndDirection(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = StillQueued(await LoadAllAsync(node));
        var operations = node.Get<IQueueOperations>();

        foreach (var sort in Enum.GetValues<QueueMessageSort>())
            foreach (var descending in new[] { false, true })
            {
                var expected = InMemorySorted(all, sort, descending, provider).Select(m => m.QueueId).ToList();
                var seen = new List<string>();
                for (var skip = 0; skip < all.Count; skip += 40)
                {
                    var page = await operations.ListMessagesAsync(new QueueMessageQuery { SortBy = sort, Descending = descending, Skip = skip, Take = 40 });
                    Assert.Equal(all.Count, page.TotalCount);
                    seen.AddRange(page.Messages.Select(m => m.QueueId));
                }
                Assert.True(expected.SequenceEqual(seen), $"{sort} {(descending ? "desc" : "asc")}: pages differ from the sorted list");
            }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Page_WhenPastTheLastMessage_IsEmpty_AndTheLastPartialPageIsExact(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = StillQueued(await LoadAllAsync(node));
        var operations = node.Get<IQueueOperations>();

        var last = await operations.ListMessagesAsync(new QueueMessageQuery { Skip = all.Count - 20, Take = 50 });
        var beyond = await operations.ListMessagesAsync(new QueueMessageQuery { Skip = all.Count, Take = 50 });

        Assert.Equal(InMemorySorted(all, QueueMessageSort.ReceivedAt, true, provider).Skip(all.Count - 20).Select(m => m.QueueId), last.Messages.Select(m => m.QueueId));
        Assert.Empty(beyond.Messages);
        Assert.Equal(all.Count, beyond.TotalCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Filters_SelectExactlyWhatTheyDescribe_AndCountAgrees(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);
        var operations = node.Get<IQueueOperations>();
        var now = node.Time.GetUtcNow();

        var cases = new (QueueMessageFilter Filter, Func<QueuedMessage, bool> Expected)[]
        {
            (new() { Sender = "USER7@" }, m => m.Sender.Contains("user7@", StringComparison.OrdinalIgnoreCase)),
            (new() { Recipient = "Rcpt1" }, m => m.Recipients.Any(r => r.Address.Contains("rcpt1", StringComparison.OrdinalIgnoreCase))),
            (new() { SubjectContains = "newsletter" }, m => m.Subject?.Contains("newsletter", StringComparison.OrdinalIgnoreCase) == true),
            // LIKE's wildcards in the text are literal characters.
            (new() { SubjectContains = "100%" }, m => m.Subject?.Contains("100%", StringComparison.Ordinal) == true),
            (new() { SubjectContains = "g_n" }, m => m.Subject?.Contains("g_n", StringComparison.Ordinal) == true),
            (new() { State = QueuedMessageState.Suspended }, m => m.State == QueuedMessageState.Suspended),
            (new() { ReceivedFrom = now.AddHours(-20), ReceivedBefore = now.AddHours(-10) }, m => m.ReceivedAt >= now.AddHours(-20) && m.ReceivedAt < now.AddHours(-10)),
            (new() { NextHopKey = Hops[1] }, m => m.Recipients.Any(r => r.NextHopKey == Hops[1] && !r.Status.IsFinal())),
            (new() { NextHopKey = Hops[0], SubjectContains = "invoice", State = QueuedMessageState.Categorized },
                m => m.State == QueuedMessageState.Categorized && m.Subject?.Contains("invoice", StringComparison.OrdinalIgnoreCase) == true
                     && m.Recipients.Any(r => r.NextHopKey == Hops[0] && !r.Status.IsFinal())),
        };

        foreach (var (filter, expected) in cases)
        {
            // Without a state, only messages still queued: finished ones belong to the trace.
            var expectedIds = InMemorySorted(all.Where(m => (filter.State is not null || m.State != QueuedMessageState.Completed) && expected(m)), QueueMessageSort.Size, false, provider)
                .Select(m => m.QueueId).ToList();
            Assert.True(expectedIds.Count > 0, $"the seed has no message for {filter.Describe()}");
            var page = await operations.ListMessagesAsync(new QueueMessageQuery
            {
                Sender = filter.Sender, Recipient = filter.Recipient, SubjectContains = filter.SubjectContains, State = filter.State,
                NextHopKey = filter.NextHopKey, ReceivedFrom = filter.ReceivedFrom, ReceivedBefore = filter.ReceivedBefore,
                SortBy = QueueMessageSort.Size, Descending = false, Take = 500,
            });
            Assert.Equal(expectedIds, page.Messages.Select(m => m.QueueId));
            Assert.Equal(expectedIds.Count, page.TotalCount);
            Assert.Equal(expectedIds.Count, await operations.CountMessagesAsync(filter));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Summary_ShowsRecipientsAttemptsAndLatestFailure(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);

        var page = await node.Get<IQueueOperations>().ListMessagesAsync(new QueueMessageQuery { Take = 500 });

        foreach (var row in page.Messages)
        {
            var message = all.Single(m => m.QueueId == row.QueueId);
            Assert.Equal(message.Recipients.Count, row.RecipientCount);
            Assert.Equal(message.Recipients.OrderBy(r => r.Id).First().Address, row.FirstRecipient);
            Assert.Equal(message.Recipients.Max(r => r.AttemptCount), row.Attempts);
            var failure = message.Recipients.Where(r => r.LastReplyCode >= 400).MaxBy(r => r.LastAttemptAt);
            Assert.Equal(failure is null ? null : $"{failure.LastReplyCode} {failure.LastResponse}", row.LastError);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task QueueList_CountsOpenRecipientsOfWaitingMessagesPerNextHop(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);
        var now = node.Time.GetUtcNow();

        var queues = await node.Get<IQueueOperations>().ListQueuesAsync();

        var open = all.Where(m => m.State == QueuedMessageState.Categorized)
            .SelectMany(m => m.Recipients.Where(r => r.NextHopKey != null && !r.Status.IsFinal()).Select(r => (Message: m, Recipient: r)))
            .GroupBy(x => x.Recipient.NextHopKey!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        // Exchange's Submission queue: the messages not categorized yet, after the delivery queues.
        var submission = Assert.Single(queues, q => q.Kind == NextHopQueueKind.Submission);
        Assert.Equal(all.Count(m => m.State == QueuedMessageState.Submitted), submission.MessageCount);
        Assert.Equal("Submission", submission.DisplayName);
        queues = queues.Where(q => q.Kind == NextHopQueueKind.Delivery).ToList();
        Assert.Equal(open.Select(g => g.Key), queues.Select(q => q.NextHopKey));
        foreach (var (group, queue) in open.Zip(queues))
        {
            Assert.Equal(group.Select(x => x.Message.Id).Distinct().Count(), queue.MessageCount);
            Assert.Equal(group.Count(), queue.RecipientCount);
            Assert.Equal(group.Where(x => x.Recipient.NextRetryAt > now).Min(x => x.Recipient.NextRetryAt), queue.NextRetryAt);
            // The oldest message is the queue's lowest id (ids are given in order of queuing).
            Assert.Equal(group.MinBy(x => x.Message.Id).Message.QueuedAt, queue.OldestQueuedAt);
            var failure = group.Select(x => x.Recipient).Where(r => r.LastReplyCode >= 400).MaxBy(r => r.LastAttemptAt);
            Assert.Equal(failure is null ? null : $"{failure.LastReplyCode} {failure.LastResponse}", queue.LastError);
            Assert.Equal(group.Any(x => x.Message.LeaseUntil > now) ? NextHopQueueStatus.Active : NextHopQueueStatus.Ready, queue.Status);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task QueueList_WithLeasesOfSeveralNodes_SuspendedAndRetryOnlyHops_AgreesWithTheRecipients(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var now = node.Time.GetUtcNow();
        const string retryOnly = "smtp:d:delta.test", heldOnly = "smtp:e:epsilon.test", oldestHeld = "smtp:f:zeta.test";
        await using (var db = await node.CreateDbContextAsync())
        {
            var messages = await db.QueuedMessages.Include(m => m.Recipients).OrderBy(m => m.Id).ToListAsync();
            // Leases of other nodes sharing the store: live ones on hop B, an expired one on hop C (not a delivery under way).
            foreach (var m in messages.Where(m => m.State == QueuedMessageState.Categorized && m.Recipients.Any(r => r.NextHopKey == Hops[1])).Take(3))
                (m.LeaseOwner, m.LeaseUntil) = ("node-b", now.AddMinutes(2));
            foreach (var m in messages.Where(m => m.State == QueuedMessageState.Categorized && m.LeaseUntil == null
                                                  && m.Recipients.All(r => r.NextHopKey == Hops[2])).Take(2))
                (m.LeaseOwner, m.LeaseUntil) = ("node-c", now.AddMinutes(-1));
            db.NextHopSuspensions.Add(new NextHopSuspension { NextHopKey = Hops[2], SuspendedBy = "admin", SuspendedAt = now });
            // Hop D: every waiting recipient waits for its retry time; the newest failure belongs to a held message and
            // is not the queue's, nor is a delivered recipient's.
            var waiting = messages.Where(m => m.State == QueuedMessageState.Categorized && m.LeaseUntil == null).Take(12).ToList();
            for (var i = 0; i < waiting.Count; i++)
                waiting[i].Recipients.Add(new QueuedRecipient
                {
                    Address = $"d{i}@delta.test", NextHopKey = retryOnly,
                    Status = i == 11 ? QueuedRecipientStatus.Delivered : QueuedRecipientStatus.TemporaryFailure,
                    AttemptCount = 2, LastAttemptAt = now.AddMinutes(-30 + i), NextRetryAt = i == 11 ? null : now.AddMinutes(10 + i),
                    LastReplyCode = i == 11 ? 250 : 421, LastResponse = $"4.4.2 delta {i}",
                });
            var held = messages.Where(m => m.State is QueuedMessageState.Suspended or QueuedMessageState.Quarantined).Take(6).ToList();
            foreach (var (m, i) in held.Select((m, i) => (m, i)))
            {
                m.Recipients.Add(new QueuedRecipient
                {
                    Address = $"held{i}@delta.test", NextHopKey = retryOnly, Status = QueuedRecipientStatus.TemporaryFailure,
                    LastAttemptAt = now, NextRetryAt = now.AddSeconds(1), LastReplyCode = 451, LastResponse = "4.3.0 held, newest",
                });
                m.Recipients.Add(new QueuedRecipient { Address = $"held{i}@epsilon.test", NextHopKey = heldOnly, Status = QueuedRecipientStatus.Scheduled });
            }
            // Hop Z: its lowest open message id is a held message, so its oldest waiting message is a later one.
            foreach (var m in held.Take(1).Concat(messages.Where(m => m.State == QueuedMessageState.Categorized && m.LeaseUntil == null).TakeLast(2)))
                m.Recipients.Add(new QueuedRecipient { Address = $"z{m.Id}@zeta.test", NextHopKey = oldestHeld, Status = QueuedRecipientStatus.Scheduled });
            await db.SaveChangesAsync();
        }
        var all = await LoadAllAsync(node);
        Assert.NotEqual(QueuedMessageState.Categorized, all.Where(m => m.Recipients.Any(r => r.NextHopKey == oldestHeld)).MinBy(m => m.Id)!.State);

        var queues = await node.Get<IQueueOperations>().ListQueuesAsync();

        var expected = all.Where(m => m.State == QueuedMessageState.Categorized)
            .SelectMany(m => m.Recipients.Where(r => r.NextHopKey != null && !r.Status.IsFinal()).Select(r => (Message: m, Recipient: r)))
            .GroupBy(x => x.Recipient.NextHopKey!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        queues = queues.Where(q => q.Kind == NextHopQueueKind.Delivery).ToList();
        Assert.Equal(expected.Select(g => g.Key), queues.Select(q => q.NextHopKey));
        Assert.DoesNotContain(queues, q => q.NextHopKey == heldOnly);
        foreach (var (group, queue) in expected.Zip(queues))
        {
            Assert.Equal(group.Select(x => x.Message.Id).Distinct().Count(), queue.MessageCount);
            Assert.Equal(group.Count(), queue.RecipientCount);
            Assert.Equal(group.Where(x => x.Recipient.NextRetryAt > now).Min(x => x.Recipient.NextRetryAt), queue.NextRetryAt);
            // The oldest message is the queue's lowest id (ids are given in order of queuing).
            Assert.Equal(group.MinBy(x => x.Message.Id).Message.QueuedAt, queue.OldestQueuedAt);
            var failure = group.Select(x => x.Recipient).Where(r => r.LastReplyCode >= 400).MaxBy(r => r.LastAttemptAt);
            Assert.Equal(failure is null ? null : $"{failure.LastReplyCode} {failure.LastResponse}", queue.LastError);
            var status = group.Key == Hops[2] ? NextHopQueueStatus.Suspended
                : group.Any(x => x.Message.LeaseUntil > now) ? NextHopQueueStatus.Active
                : group.Any(x => x.Recipient.NextRetryAt is null || x.Recipient.NextRetryAt <= now) ? NextHopQueueStatus.Ready
                : NextHopQueueStatus.Retry;
            Assert.Equal(status, queue.Status);
        }
        Assert.Equal([NextHopQueueStatus.Active, NextHopQueueStatus.Active, NextHopQueueStatus.Suspended, NextHopQueueStatus.Retry, NextHopQueueStatus.Ready], queues.Select(q => q.Status));
        var zeta = queues.Single(q => q.NextHopKey == oldestHeld);
        Assert.Equal((2, 2), (zeta.MessageCount, zeta.RecipientCount));
        var delta = queues.Single(q => q.NextHopKey == retryOnly);
        Assert.Equal((11, 11, "421 4.4.2 delta 10", now.AddMinutes(10)), (delta.MessageCount, delta.RecipientCount, delta.LastError, delta.NextRetryAt));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StatusFilter_AndDigest_AgreeWithTheOperatorStatusOfEachMessage(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);
        var now = node.Time.GetUtcNow();
        var operations = node.Get<IQueueOperations>();

        var digest = await operations.GetDigestAsync();
        foreach (var status in Enum.GetValues<QueueMessageStatus>())
        {
            var expected = all.Where(m => QueueMessageStatuses.Of(m.State, m.LeaseUntil, m.NextAttemptAt, now) == status).Select(m => m.QueueId).Order().ToList();
            var page = await operations.ListMessagesAsync(new QueueMessageQuery { Status = status, Take = 500 });
            Assert.Equal(expected, page.Messages.Select(m => m.QueueId).Order());
            Assert.All(page.Messages, m => Assert.Equal(status, m.Status));
            if (status != QueueMessageStatus.Completed)
                Assert.Equal(expected.Count, digest.ByStatus[status]);
        }
        Assert.Equal(all.Count(m => m.State != QueuedMessageState.Completed), digest.Total);
        var node1 = Assert.Single(digest.Nodes, n => n.Queued > 0);
        Assert.Equal(digest.Total, node1.Queued);
        // A held message has no next attempt to show, whatever its stored time says.
        Assert.All((await operations.ListMessagesAsync(new QueueMessageQuery { Status = QueueMessageStatus.Suspended, Take = 500 })).Messages,
            m => Assert.Null(m.EffectiveNextAttemptAt));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task SuspendMatching_ThenResumeMatching_ChangesOnlyMatchingMessages_AndAuditsOnce(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);
        var operations = node.Get<IQueueOperations>();
        var filter = new QueueMessageFilter { SubjectContains = "newsletter", NextHopKey = Hops[2] };
        var waiting = all.Where(m => m.Subject?.Contains("NEWSLETTER", StringComparison.Ordinal) == true
                                     && m.Recipients.Any(r => r.NextHopKey == Hops[2] && !r.Status.IsFinal())
                                     && m.State is QueuedMessageState.Categorized or QueuedMessageState.Submitted).ToList();
        Assert.NotEmpty(waiting);

        var suspended = await operations.ApplyToMatchingAsync(Admin, filter, QueueAction.Suspend);

        Assert.Equal(waiting.Count, suspended);
        var after = await LoadAllAsync(node);
        foreach (var message in after)
        {
            var before = all.Single(m => m.Id == message.Id);
            var expected = waiting.Any(w => w.Id == message.Id) ? QueuedMessageState.Suspended : before.State;
            Assert.Equal(expected, message.State);
        }

        var resumed = await operations.ApplyToMatchingAsync(Admin, filter with { State = QueuedMessageState.Suspended }, QueueAction.Resume);

        var suspendedBefore = all.Count(m => m.State == QueuedMessageState.Suspended && Matches(filter, m));
        Assert.Equal(waiting.Count + suspendedBefore, resumed);
        var final = await LoadAllAsync(node);
        foreach (var message in final.Where(m => waiting.Any(w => w.Id == m.Id)))
            Assert.Equal(QueuedMessageState.Categorized, message.State);
        await using var db = await node.CreateDbContextAsync();
        var audit = await db.AuditEntries.Where(a => a.ObjectType == "QueuedMessages").OrderBy(a => a.Id).ToListAsync();
        Assert.Equal([AuditAction.Suspend, AuditAction.Resume], audit.Select(a => a.Action));
        Assert.Contains($"\"changed\":{waiting.Count}", audit[0].After, StringComparison.Ordinal);
        Assert.Equal("viewer-admin", audit[0].Actor);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ResumeMatching_SendsUnroutedMessagesBackToTheCategorizer(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);
        var held = all.Where(m => m.State == QueuedMessageState.Quarantined).ToList();
        Assert.Contains(held, m => m.Recipients.Any(r => r.NextHopKey is null));
        Assert.Contains(held, m => m.Recipients.All(r => r.NextHopKey is not null));

        var released = await node.Get<IQueueOperations>().ApplyToMatchingAsync(Admin, new QueueMessageFilter { State = QueuedMessageState.Quarantined }, QueueAction.Release);

        Assert.Equal(held.Count, released);
        var after = await LoadAllAsync(node);
        foreach (var message in held)
            Assert.Equal(message.Recipients.All(r => r.NextHopKey is not null) ? QueuedMessageState.Categorized : QueuedMessageState.Submitted,
                after.Single(m => m.Id == message.Id).State);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RetryMatching_MakesTemporarilyFailedRecipientsDueNow(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);
        var now = node.Time.GetUtcNow();
        var filter = new QueueMessageFilter { NextHopKey = Hops[0] };
        var target = all.Where(m => m.State is QueuedMessageState.Categorized or QueuedMessageState.Submitted && Matches(filter, m)).ToList();

        var retried = await node.Get<IQueueOperations>().ApplyToMatchingAsync(Admin, filter, QueueAction.RetryNow);

        Assert.Equal(target.Count, retried);
        var after = await LoadAllAsync(node);
        foreach (var message in after)
        {
            var isTarget = target.Any(t => t.Id == message.Id);
            var before = all.Single(m => m.Id == message.Id);
            Assert.Equal(isTarget ? now : before.NextAttemptAt, message.NextAttemptAt);
            foreach (var recipient in message.Recipients.Where(r => r.Status == QueuedRecipientStatus.TemporaryFailure))
                Assert.Equal(isTarget ? now : before.Recipients.Single(r => r.Id == recipient.Id).NextRetryAt, recipient.NextRetryAt);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RemoveMatching_WithoutNdr_DeletesOnlyMatchingMessagesWithTheirRecipientsAndContent(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var all = await LoadAllAsync(node);
        var filter = new QueueMessageFilter { Sender = "user3" };
        var target = all.Where(m => Matches(filter, m)).ToList();

        var removed = await node.Get<IQueueOperations>().ApplyToMatchingAsync(Admin, filter, QueueAction.RemoveSilently);

        Assert.Equal(target.Count, removed);
        await using var db = await node.CreateDbContextAsync();
        Assert.Equal(MessageCount - target.Count, await db.QueuedMessages.CountAsync());
        Assert.Equal(all.Sum(m => m.Recipients.Count) - target.Sum(m => m.Recipients.Count), await db.QueuedRecipients.CountAsync());
        Assert.Equal(MessageCount - target.Count, await db.MessageContents.CountAsync());
        Assert.DoesNotContain(await LoadAllAsync(node), m => Matches(filter, m));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ApplyToMatching_WhenActorIsViewOnly_IsRefusedAndChangesNothing(DatabaseProvider provider)
    {
        await using var node = await StartSeededAsync(provider);
        var viewer = new AdminActor("viewer", new HashSet<string> { Mailflow.Identity.AdminRoles.ViewOnly });

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() =>
            node.Get<IQueueOperations>().ApplyToMatchingAsync(viewer, new QueueMessageFilter(), QueueAction.RemoveSilently));

        await using var db = await node.CreateDbContextAsync();
        Assert.Equal(MessageCount, await db.QueuedMessages.CountAsync());
    }

    private async Task<DeliveryNode> StartSeededAsync(DatabaseProvider provider)
    {
        var node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider));
        var now = node.Time.GetUtcNow();
        await using var db = await node.CreateDbContextAsync();
        for (var i = 0; i < MessageCount; i++)
        {
            var state = (i % 10) switch
            {
                < 6 => QueuedMessageState.Categorized,
                6 => QueuedMessageState.Suspended,
                7 => QueuedMessageState.Submitted,
                8 => QueuedMessageState.Quarantined,
                _ => QueuedMessageState.Completed,
            };
            var received = now.AddMinutes(-(i * 7919 % 2880));
            var message = new QueuedMessage
            {
                QueueId = $"VQ{i:D6}",
                State = state,
                // Duplicated sort keys (Size repeats every 50, ReceivedAt collides) exercise the Id tie-breaker.
                Sender = i % 13 == 0 ? "" : $"User{i % 17}@Sender{i % 5}.test",
                Subject = Subjects[i % Subjects.Length] is { } subject ? $"{subject} {i % 7}" : null,
                Size = 1000 + i * 37 % 50,
                ReceivedAt = received,
                QueuedAt = received,
                NextAttemptAt = state == QueuedMessageState.Completed ? null : i % 4 == 0 ? null : received.AddMinutes(i % 90),
                ClientAddress = "192.0.2.1",
                LocalEndPoint = "127.0.0.1:25",
                HeloName = "client.test",
                ReceiveConnectorName = "Default Frontend",
                ReceivingNode = "node-a",
                ContentSha256 = new string('0', 64),
                LeaseOwner = i == 12 ? "node-a" : null,
                LeaseUntil = i == 12 ? now.AddMinutes(5) : null,
            };
            for (var r = 0; r <= i % 3; r++)
            {
                var routed = !(state is QueuedMessageState.Submitted || (state == QueuedMessageState.Quarantined && i % 20 == 8 && r == 0));
                var failed = (i / 3 + r) % 3 == 0;
                message.Recipients.Add(new QueuedRecipient
                {
                    Address = $"rcpt{(i * 3 + r) % 40}@{(routed ? Hops[(i + r) % Hops.Length].Split(':')[2] : "unrouted.test")}",
                    Status = state == QueuedMessageState.Completed ? QueuedRecipientStatus.Delivered
                        : failed ? QueuedRecipientStatus.TemporaryFailure : QueuedRecipientStatus.Scheduled,
                    NextHopKey = routed ? Hops[(i + r) % Hops.Length] : null,
                    AttemptCount = failed ? 1 + i % 5 : 0,
                    LastAttemptAt = failed ? now.AddSeconds(-(i * 7) - r) : null,
                    NextRetryAt = failed ? now.AddMinutes(1 + i % 45) : null,
                    LastReplyCode = failed ? 450 + r : null,
                    LastResponse = failed ? $"4.7.{i % 10} try later ({i})" : null,
                });
            }
            db.QueuedMessages.Add(message);
        }
        await db.SaveChangesAsync();
        foreach (var message in await db.QueuedMessages.Select(m => m.Id).ToListAsync())
            db.MessageContents.Add(new MessageContent { MessageId = message, Data = [1, 2, 3] });
        await db.SaveChangesAsync();
        return node;
    }

    private static List<QueuedMessage> StillQueued(IEnumerable<QueuedMessage> messages) => messages.Where(m => m.State != QueuedMessageState.Completed).ToList();

    private static async Task<List<QueuedMessage>> LoadAllAsync(DeliveryNode node)
    {
        await using var db = await node.CreateDbContextAsync();
        return await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients).ToListAsync();
    }

    /// <summary>The filter's meaning in memory (the text filters the tests use are ASCII, so case folding agrees on both stores).</summary>
    private static bool Matches(QueueMessageFilter filter, QueuedMessage m) =>
        (filter.Sender is null || m.Sender.Contains(filter.Sender, StringComparison.OrdinalIgnoreCase))
        && (filter.SubjectContains is null || m.Subject?.Contains(filter.SubjectContains, StringComparison.OrdinalIgnoreCase) == true)
        && (filter.State is null || m.State == filter.State)
        && (filter.State is not null || m.State != QueuedMessageState.Completed)
        && (filter.NextHopKey is null || m.Recipients.Any(r => r.NextHopKey == filter.NextHopKey && !r.Status.IsFinal()));

    /// <summary>
    /// The stores' order: ordinal strings (SQLite's BINARY collation; the test cluster is initdb --no-locale),
    /// and NULL first when ascending on SQLite but last on PostgreSQL (each reverses it when descending).
    /// </summary>
    private static IEnumerable<QueuedMessage> InMemorySorted(IEnumerable<QueuedMessage> messages, QueueMessageSort sort, bool descending, DatabaseProvider provider)
    {
        // NULL compares below every value on SQLite, above every value on PostgreSQL.
        var nullSign = provider == DatabaseProvider.Sqlite ? -1 : 1;
        int NullOrder(bool aIsNull, bool bIsNull) => nullSign * ((aIsNull ? 1 : 0) - (bIsNull ? 1 : 0));
        var text = Comparer<string?>.Create((a, b) => a is null || b is null ? NullOrder(a is null, b is null) : string.CompareOrdinal(a, b));
        var time = Comparer<DateTimeOffset?>.Create((a, b) => a is null || b is null ? NullOrder(a is null, b is null) : a.Value.CompareTo(b.Value));
        IOrderedEnumerable<QueuedMessage> ordered = (sort, descending) switch
        {
            (QueueMessageSort.Sender, false) => messages.OrderBy(m => m.Sender, text),
            (QueueMessageSort.Sender, true) => messages.OrderByDescending(m => m.Sender, text),
            (QueueMessageSort.Subject, false) => messages.OrderBy(m => m.Subject, text),
            (QueueMessageSort.Subject, true) => messages.OrderByDescending(m => m.Subject, text),
            (QueueMessageSort.Size, false) => messages.OrderBy(m => m.Size),
            (QueueMessageSort.Size, true) => messages.OrderByDescending(m => m.Size),
            (QueueMessageSort.NextAttemptAt, false) => messages.OrderBy(m => m.NextAttemptAt, time),
            (QueueMessageSort.NextAttemptAt, true) => messages.OrderByDescending(m => m.NextAttemptAt, time),
            (_, false) => messages.OrderBy(m => m.ReceivedAt),
            _ => messages.OrderByDescending(m => m.ReceivedAt),
        };
        return descending ? ordered.ThenByDescending(m => m.Id) : ordered.ThenBy(m => m.Id);
    }
}
