using System.Security.Cryptography;
using Mailflow.Data;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The queue's store operations for the later stages and the queue viewer: read content, list,
/// claim with a lease, record per-recipient outcomes, release.
/// <para>Claims are leases (Stalwart's LOCK_EXPIRY idea): <see cref="ClaimAsync"/> stamps a batch of
/// due, unleased messages with an owner, a fresh token and an expiry. A claimer that crashes simply
/// lets its lease run out, and any worker on any node may claim the message again. Every write made
/// under a lease is conditioned on the token, so a worker that lost its lease cannot overwrite the
/// new owner's work. On PostgreSQL the claim is one <c>UPDATE … WHERE Id IN (SELECT … FOR UPDATE
/// SKIP LOCKED)</c>, so concurrent claimers on several nodes skip each other's rows instead of waiting
/// or double-claiming. On SQLite (one node) a single UPDATE is already atomic against every other writer.</para>
/// </summary>
public sealed class QueueStore(
    IDbContextFactory<MailflowDbContext> dbFactory,
    BookkeepingCommitter bookkeeping,
    TimeProvider time,
    ILogger<QueueStore> logger)
{
    private static readonly QueuedMessageState[] WorkableStates = [QueuedMessageState.Submitted, QueuedMessageState.Categorized];

    public async Task<QueuedMessage?> FindAsync(string queueId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients)
            .SingleOrDefaultAsync(m => m.QueueId == queueId, cancellationToken);
    }

    /// <summary>The stored content, streamed from the store as it is read; null when the message has no content row.</summary>
    public Task<Stream?> LoadContentAsync(long messageId, CancellationToken cancellationToken) =>
        ContentStore.OpenReadAsync(dbFactory, messageId, cancellationToken);

    /// <summary>
    /// Streams the stored content and checks it against the length and SHA-256 recorded at commit
    /// (Postfix's END record idea): false means the stored copy is missing or damaged.
    /// </summary>
    public async Task<bool> VerifyContentAsync(long messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var expected = await db.QueuedMessages.Where(m => m.Id == messageId)
            .Select(m => new { m.Size, m.ContentSha256 }).SingleOrDefaultAsync(cancellationToken);
        if (expected is null)
            return false;
        await using var content = await LoadContentAsync(messageId, cancellationToken);
        if (content is null)
            return false;
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long length = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha256.AppendData(buffer, 0, read);
            length += read;
        }
        return length == expected.Size && Convert.ToHexStringLower(sha256.GetHashAndReset()) == expected.ContentSha256;
    }

    /// <summary>Messages for the queue viewer, newest first.</summary>
    public async Task<QueueMessagePage> ListMessagesAsync(QueueMessageQuery query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await QueueQueries.ListAsync(db, query, cancellationToken, time.GetUtcNow());
    }

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> due messages that nobody holds (never claimed, released,
    /// or whose lease expired), highest priority first, then longest waiting.
    /// </summary>
    /// <param name="state">Only messages in this state (the categorizer claims Submitted, delivery Categorized); null = any workable state.</param>
    /// <param name="poisoned">
    /// Told about each message this claim moved to <see cref="QueuedMessageState.Poison"/> instead of returning it:
    /// taking over a lease that ran out (its holder died) counts a crash, and a message at
    /// <see cref="QueuedMessage.PoisonThreshold"/> crashes is set aside.
    /// </param>
    /// <param name="nextHopKey">
    /// Only messages with an open recipient on this next hop (<see cref="NoNextHop"/> for recipients without
    /// one): the queue manager claims per next hop, no more than it can send there now.
    /// </param>
    public async Task<IReadOnlyList<QueueClaim>> ClaimAsync(
        string owner, int batchSize, TimeSpan leaseDuration, QueuedMessageState? state = null, CancellationToken cancellationToken = default,
        Action<QueuedMessage>? poisoned = null, string? nextHopKey = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);

        var now = time.GetUtcNow();
        var until = now + leaseDuration;
        var token = Guid.NewGuid();
        var states = state is { } only ? [only] : WorkableStates;

        // The claim is a bookkeeping write like any other: it shares a transaction with the outcomes
        // and releases written at the same time.
        await bookkeeping.WriteAsync(async (db, ct) =>
        {
            if (db.Database.IsNpgsql() && nextHopKey is not null)
            {
                var stateNames = states.Select(s => s.ToString()).ToArray();
                string[] finalStatuses = [nameof(QueuedRecipientStatus.Delivered), nameof(QueuedRecipientStatus.PermanentFailure)];
                return await db.Database.ExecuteSqlAsync($"""
                    UPDATE "QueuedMessages" SET "LeaseOwner" = {owner}, "LeaseToken" = {token}, "LeaseUntil" = {until},
                      "CrashCount" = "CrashCount" + CASE WHEN "LeaseOwner" IS NULL THEN 0 ELSE 1 END
                    WHERE "Id" IN (
                        SELECT m."Id" FROM "QueuedMessages" m
                        WHERE m."State" = ANY({stateNames}) AND m."NextAttemptAt" <= {now}
                          AND (m."LeaseUntil" IS NULL OR m."LeaseUntil" <= {now})
                          AND EXISTS (SELECT 1 FROM "QueuedRecipients" r
                                      WHERE r."MessageId" = m."Id" AND NOT (r."Status" = ANY({finalStatuses}))
                                        AND COALESCE(r."NextHopKey", '') = {nextHopKey})
                        ORDER BY m."Priority" DESC, m."NextAttemptAt"
                        LIMIT {batchSize}
                        FOR UPDATE OF m SKIP LOCKED)
                    """, ct);
            }
            if (db.Database.IsNpgsql())
            {
                var stateNames = states.Select(s => s.ToString()).ToArray();
                return await db.Database.ExecuteSqlAsync($"""
                    UPDATE "QueuedMessages" SET "LeaseOwner" = {owner}, "LeaseToken" = {token}, "LeaseUntil" = {until},
                      "CrashCount" = "CrashCount" + CASE WHEN "LeaseOwner" IS NULL THEN 0 ELSE 1 END
                    WHERE "Id" IN (
                        SELECT "Id" FROM "QueuedMessages"
                        WHERE "State" = ANY({stateNames}) AND "NextAttemptAt" <= {now}
                          AND ("LeaseUntil" IS NULL OR "LeaseUntil" <= {now})
                        ORDER BY "Priority" DESC, "NextAttemptAt"
                        LIMIT {batchSize}
                        FOR UPDATE SKIP LOCKED)
                    """, ct);
            }
            var claimable = db.QueuedMessages
                    .Where(m => states.Contains(m.State) && m.NextAttemptAt <= now && (m.LeaseUntil == null || m.LeaseUntil <= now));
            if (nextHopKey is not null)
                claimable = claimable.Where(m => m.Recipients.AsQueryable().Where(QueuedRecipientFilters.IsOpen).Any(r => (r.NextHopKey ?? "") == nextHopKey));
            return await claimable
                    .OrderByDescending(m => m.Priority).ThenBy(m => m.NextAttemptAt)
                    .Take(batchSize)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(m => m.LeaseOwner, owner)
                        .SetProperty(m => m.LeaseToken, token)
                        .SetProperty(m => m.LeaseUntil, until)
                        // A lease still set on a claimable message ran out: its holder died (or hung) holding it.
                        .SetProperty(m => m.CrashCount, m => m.CrashCount + (m.LeaseOwner == null ? 0 : 1)), ct);
        }, cancellationToken);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var claimed = await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients)
            .Where(m => m.LeaseToken == token)
            .OrderByDescending(m => m.Priority).ThenBy(m => m.NextAttemptAt)
            .ToListAsync(cancellationToken);
        if (claimed.Count > 0)
            QueueLog.Claimed(logger, owner, claimed.Count, until);
        var poison = claimed.Where(m => m.CrashCount >= QueuedMessage.PoisonThreshold).ToList();
        foreach (var message in poison)
        {
            if (await SetAsideAsPoisonAsync(new QueueLease(message.Id, owner, token, until), cancellationToken))
            {
                QueueLog.Poisoned(logger, message.QueueId, message.CrashCount);
                message.State = QueuedMessageState.Poison;
                poisoned?.Invoke(message);
            }
        }
        return claimed.Except(poison).Select(m => new QueueClaim(new QueueLease(m.Id, owner, token, until), m)).ToList();
    }

    /// <summary>The next hop key <see cref="ClaimAsync"/> and <see cref="ListClaimableNextHopsAsync"/> use for recipients that have none.</summary>
    public const string NoNextHop = "";

    /// <summary>
    /// Next hops (<see cref="NoNextHop"/> for none) with an open recipient in a Categorized message that is due
    /// and unclaimed, leaving out <paramref name="full"/> (hops the caller has no room for); at most <paramref name="limit"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListClaimableNextHopsAsync(IReadOnlyCollection<string> full, int limit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.QueuedRecipients.Where(QueuedRecipientFilters.IsOpen)
            .Where(r => db.QueuedMessages.Any(m => m.Id == r.MessageId && m.State == QueuedMessageState.Categorized
                && m.NextAttemptAt <= now && (m.LeaseUntil == null || m.LeaseUntil <= now)))
            .Select(r => r.NextHopKey ?? NoNextHop)
            .Where(key => !full.Contains(key))
            .Distinct().OrderBy(key => key).Take(limit).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Ends every running lease a node holds (owners <c>{node}/…</c>) now instead of at its expiry: the node
    /// stopped heartbeating, so it is dead (or cut off, and its fencing tokens stop its late writes). The
    /// owner stays on the row, so the next claim counts the takeover as a crash of the message's worker, like
    /// an expired lease. Returns how many leases ended.
    /// </summary>
    public async Task<int> TakeOverLeasesAsync(string nodeName, CancellationToken cancellationToken)
    {
        var prefix = OwnLeaseRecovery.OwnerPrefix(nodeName);
        var now = time.GetUtcNow();
        return await WriteAsync((db, ct) => db.QueuedMessages
            .Where(m => m.LeaseOwner != null && m.LeaseOwner.StartsWith(prefix) && m.LeaseUntil > now)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseUntil, now), ct), cancellationToken);
    }

    /// <summary>Counts an unexpected failure of the worker holding <paramref name="lease"/>; at the threshold the message goes to Poison and the lease is released.</summary>
    /// <returns>True when the message is now in Poison.</returns>
    public async Task<bool> RecordCrashAsync(QueueLease lease, CancellationToken cancellationToken)
    {
        var crashes = await bookkeeping.WriteAsync(async (db, ct) =>
        {
            var held = LeaseFence.Message(db, lease);
            await held.ExecuteUpdateAsync(s => s.SetProperty(m => m.CrashCount, m => m.CrashCount + 1), ct);
            return await held.Select(m => m.CrashCount).FirstOrDefaultAsync(ct);
        }, cancellationToken);
        return crashes >= QueuedMessage.PoisonThreshold && await SetAsideAsPoisonAsync(lease, cancellationToken);
    }

    /// <summary>Moves the held message to Poison and releases it (fenced by the lease).</summary>
    private async Task<bool> SetAsideAsPoisonAsync(QueueLease lease, CancellationToken cancellationToken)
    {
        var moved = await bookkeeping.WriteAsync((db, ct) => LeaseFence.Message(db, lease)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, QueuedMessageState.Poison)
                .SetProperty(m => m.LeaseOwner, (string?)null)
                .SetProperty(m => m.LeaseToken, (Guid?)null)
                .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), ct), cancellationToken);
        return moved == 1;
    }

    /// <summary>Extends a lease still held; null when it was lost to another claimer.</summary>
    public async Task<QueueLease?> RenewLeaseAsync(QueueLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + leaseDuration;
        var renewed = await WriteAsync((db, cancellationToken) => LeaseFence.Message(db, lease)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseUntil, until), cancellationToken), cancellationToken);
        if (renewed == 1)
            return lease with { Until = until };
        QueueLog.LeaseLost(logger, lease.MessageId, "renewal");
        return null;
    }

    /// <summary>The recipient was delivered (2xx from the next hop, or stored locally).</summary>
    public Task<bool> RecordDeliveredAsync(QueueLease lease, long recipientId, DeliveryResponse response, CancellationToken cancellationToken) =>
        RecordAsync(lease, recipientId, QueuedRecipientStatus.Delivered, response, retryAt: null, cancellationToken);

    /// <summary>The recipient failed for good (5xx, expiry, unresolvable): an NDR is due unless NOTIFY says otherwise.</summary>
    public Task<bool> RecordPermanentFailureAsync(QueueLease lease, long recipientId, DeliveryResponse response, CancellationToken cancellationToken) =>
        RecordAsync(lease, recipientId, QueuedRecipientStatus.PermanentFailure, response, retryAt: null, cancellationToken);

    /// <summary>The recipient failed temporarily (4xx, connection failure): try again at <paramref name="retryAt"/>.</summary>
    public Task<bool> DeferRecipientAsync(QueueLease lease, long recipientId, DeliveryResponse response, DateTimeOffset retryAt, CancellationToken cancellationToken) =>
        RecordAsync(lease, recipientId, QueuedRecipientStatus.TemporaryFailure, response, retryAt, cancellationToken);

    /// <summary>
    /// Ends a claim. The message becomes due again at its earliest unfinished recipient's retry time,
    /// or Completed when every recipient is final. <paramref name="advanceTo"/> moves a still-unfinished
    /// message on (the categorizer: Submitted → Categorized). False when the lease was already lost.
    /// </summary>
    public async Task<bool> ReleaseAsync(QueueLease lease, QueuedMessageState? advanceTo = null, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var released = await WriteAsync((db, cancellationToken) => ReleaseWithinAsync(db, lease, advanceTo, now, cancellationToken), cancellationToken);
        return released == 1 || LeaseLost(lease, "release");
    }

    /// <summary>The release itself, inside the caller's transaction: 1 when released, 0 when the lease was lost.</summary>
    private static Task<int> ReleaseWithinAsync(MailflowDbContext db, QueueLease lease, QueuedMessageState? advanceTo, DateTimeOffset now, CancellationToken cancellationToken) =>
        LeaseFencedCommands.ReleaseAsync(db, lease, advanceTo, now, cancellationToken);

    /// <summary>
    /// The categorizer's result for a claimed message in one write: its open recipient rows are
    /// replaced by the routed (and the unresolvable) ones, and with <paramref name="releaseAs"/> the
    /// claim is released in the same transaction. False (nothing written) when the lease was lost.
    /// </summary>
    public async Task<bool> ReplaceOpenRecipientsAsync(
        QueueLease lease, IReadOnlyCollection<long> openIds, IReadOnlyList<QueuedRecipient> replacement, QueuedMessageState? releaseAs, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var written = await WriteAsync(async (db, cancellationToken) =>
        {
            if (!await HeldAsync(db, lease, cancellationToken))
                return 0;
            await LeaseFencedCommands.DeleteRecipientsAsync(db, lease.MessageId, openIds, cancellationToken);
            await using (var rows = QueueRowInserter.Create(db))
            {
                foreach (var recipient in replacement)
                {
                    recipient.MessageId = lease.MessageId;
                    await rows.InsertRecipientAsync(recipient, cancellationToken);
                }
            }
            if (releaseAs is not null)
                await ReleaseWithinAsync(db, lease, releaseAs, now, cancellationToken);
            return 1;
        }, cancellationToken);
        return written == 1 || LeaseLost(lease, "replacing the routed recipients");
    }

    /// <summary>
    /// One delivery attempt's results for a claimed message in one write: every recipient's outcome,
    /// <c>FinalNotifiedAt</c> for the final ones when <paramref name="settled"/> (the caller decided no
    /// DSN is due), and then the release. Without <paramref name="settled"/> only the outcomes are
    /// written; the caller notifies and releases afterwards. False (nothing written) when the lease was lost.
    /// </summary>
    public async Task<bool> RecordOutcomesAsync(QueueLease lease, IReadOnlyList<RecipientResult> results, bool settled, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var written = await WriteAsync(async (db, cancellationToken) =>
        {
            if (!await HeldAsync(db, lease, cancellationToken))
                return 0;
            foreach (var result in results)
            {
                DateTimeOffset? notifiedAt = settled && result.Status.IsFinal() ? now : null;
                await LeaseFencedCommands.RecordOutcomeAsync(db, lease.MessageId, result, Cut(result.Response.Text), now, notifiedAt, cancellationToken);
            }
            if (settled)
                await ReleaseWithinAsync(db, lease, advanceTo: null, now, cancellationToken);
            return 1;
        }, cancellationToken);
        return written == 1 || LeaseLost(lease, "recording delivery outcomes");
    }

    private static Task<bool> HeldAsync(MailflowDbContext db, QueueLease lease, CancellationToken cancellationToken) =>
        LeaseFencedCommands.HeldAsync(db, lease, cancellationToken);

    private static string? Cut(string? text) => text is { Length: > QueueModel.ResponseLength } full ? full[..QueueModel.ResponseLength] : text;

    /// <summary>Moves recipients' next attempt to <paramref name="until"/> without counting an attempt (their next hop is suspended).</summary>
    public async Task<bool> PostponeRecipientsAsync(QueueLease lease, IReadOnlyCollection<long> recipientIds, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var updated = await WriteAsync((db, cancellationToken) => LeaseFence.Recipients(db, lease)
            .Where(r => recipientIds.Contains(r.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextRetryAt, until), cancellationToken), cancellationToken);
        return updated == recipientIds.Count || LeaseLost(lease, "postponing recipients");
    }

    /// <summary>
    /// Replaces the held message's content (mail flow rules edited it) with its size, hash and header
    /// summary, together, while the lease holds.
    /// </summary>
    public async Task<bool> ReplaceContentAsync(QueueLease lease, byte[] content, string sha256, string? subject, CancellationToken cancellationToken)
    {
        var updated = await WriteAsync(async (db, ct) =>
        {
            var held = LeaseFence.Message(db, lease);
            await db.MessageContents.Where(c => c.MessageId == lease.MessageId && held.Any())
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Data, content), ct);
            return await held.ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Size, content.LongLength)
                .SetProperty(m => m.ContentSha256, sha256)
                .SetProperty(m => m.Subject, subject), ct);
        }, cancellationToken);
        return updated == 1 || LeaseLost(lease, "replacing the content");
    }

    /// <summary>Records that the delay DSN (<paramref name="delay"/>) or the final DSN was enqueued — or decided against — for these recipients.</summary>
    public async Task<bool> MarkNotifiedAsync(QueueLease lease, IReadOnlyCollection<long> recipientIds, bool delay, CancellationToken cancellationToken)
    {
        if (recipientIds.Count == 0)
            return true;
        var now = time.GetUtcNow();
        var updated = await WriteAsync((db, cancellationToken) =>
        {
            var recipients = LeaseFence.Recipients(db, lease).Where(r => recipientIds.Contains(r.Id));
            return delay
                ? recipients.ExecuteUpdateAsync(s => s.SetProperty(r => r.DelayNotifiedAt, now), cancellationToken)
                : recipients.ExecuteUpdateAsync(s => s.SetProperty(r => r.FinalNotifiedAt, now), cancellationToken);
        }, cancellationToken);
        return updated == recipientIds.Count || LeaseLost(lease, "recording notifications");
    }

    /// <summary>
    /// When delivery work is next due: the earliest next attempt of an unclaimed Categorized message,
    /// or the earliest lease expiry of a claimed one (a crashed claimer's message becomes claimable
    /// then). Null when the delivery queue is empty.
    /// </summary>
    public async Task<DateTimeOffset?> GetNextWakeAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var categorized = db.QueuedMessages.Where(m => m.State == QueuedMessageState.Categorized);
        var nextAttempt = await categorized.Where(m => m.LeaseUntil == null && m.NextAttemptAt != null)
            .OrderBy(m => m.NextAttemptAt).Select(m => m.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
        var leaseExpiry = await categorized.Where(m => m.LeaseUntil != null)
            .OrderBy(m => m.LeaseUntil).Select(m => m.LeaseUntil).FirstOrDefaultAsync(cancellationToken);
        if (nextAttempt is null)
            return leaseExpiry;
        if (leaseExpiry is null)
            return nextAttempt;
        return nextAttempt < leaseExpiry ? nextAttempt : leaseExpiry;
    }

    /// <summary>Next hop keys an administrator suspended.</summary>
    public async Task<IReadOnlySet<string>> LoadSuspendedNextHopsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await db.NextHopSuspensions.Select(s => s.NextHopKey).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Distinct next hop keys of recipients still waiting in Categorized messages.</summary>
    public async Task<IReadOnlyList<string>> ListWaitingNextHopsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.QueuedRecipients.Where(QueuedRecipientFilters.IsOpen)
            .Where(r => r.NextHopKey != null
                && db.QueuedMessages.Any(m => m.Id == r.MessageId && m.State == QueuedMessageState.Categorized))
            .Select(r => r.NextHopKey!).Distinct().ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Sends unclaimed Categorized messages with waiting recipients on the given next hops back to
    /// Submitted, so the categorizer routes them again (after a configuration change). The
    /// categorizer must route only recipients that are not final. Returns how many moved.
    /// </summary>
    public async Task<int> ResubmitForRoutingAsync(IReadOnlyCollection<string> nextHopKeys, CancellationToken cancellationToken)
    {
        if (nextHopKeys.Count == 0)
            return 0;
        var now = time.GetUtcNow();
        return await WriteAsync((db, cancellationToken) => db.QueuedMessages
            .Where(m => m.State == QueuedMessageState.Categorized && (m.LeaseUntil == null || m.LeaseUntil <= now)
                && m.Recipients.AsQueryable().Where(QueuedRecipientFilters.IsOpen).Any(r => r.NextHopKey != null && nextHopKeys.Contains(r.NextHopKey)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, QueuedMessageState.Submitted)
                .SetProperty(m => m.NextAttemptAt, now), cancellationToken), cancellationToken);
    }

    private async Task<bool> RecordAsync(
        QueueLease lease, long recipientId, QueuedRecipientStatus status, DeliveryResponse response, DateTimeOffset? retryAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var text = response.Text is { Length: > QueueModel.ResponseLength } full ? full[..QueueModel.ResponseLength] : response.Text;
        var updated = await WriteAsync((db, cancellationToken) => LeaseFence.Recipients(db, lease)
            .Where(r => r.Id == recipientId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.AttemptCount, r => r.AttemptCount + 1)
                .SetProperty(r => r.LastAttemptAt, now)
                .SetProperty(r => r.NextRetryAt, retryAt)
                .SetProperty(r => r.LastResponse, text)
                .SetProperty(r => r.LastReplyCode, response.Code)
                .SetProperty(r => r.LastRemoteHost, response.RemoteHost), cancellationToken), cancellationToken);
        return updated == 1 || LeaseLost(lease, $"recording {status} for recipient {recipientId}");
    }

    /// <summary>Through the <see cref="BookkeepingCommitter"/>: batched with the other stages' writes.</summary>
    private Task<int> WriteAsync(Func<MailflowDbContext, CancellationToken, Task<int>> write, CancellationToken cancellationToken) =>
        bookkeeping.WriteAsync(write, cancellationToken);

    /// <summary>Logs that a write under <paramref name="lease"/> found the lease gone; always false.</summary>
    private bool LeaseLost(QueueLease lease, string operation)
    {
        QueueLog.LeaseLost(logger, lease.MessageId, operation);
        return false;
    }
}
