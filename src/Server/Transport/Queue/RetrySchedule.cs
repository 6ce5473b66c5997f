using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// When to try a deferred recipient again, when to tell the sender about the delay, and when to
/// give up — from the organization settings (Exchange's transport defaults: 6 quick retries 5
/// minutes apart, then every 10 minutes; a delay DSN after 4 hours; expiry after 2 days).
/// Pure: the caller passes the clock's time.
/// <para>The n-th failed attempt (1-based) is retried after TransientRetryInterval while
/// n ≤ TransientRetryAttempts, then after OutboundConnectionFailureRetryInterval. A retry is never
/// scheduled past the delay-notification time (so the delay DSN goes out on time) or the expiry
/// (so expiry is not late).</para>
/// </summary>
public sealed class RetrySchedule(OrganizationSettings settings)
{
    public TimeSpan TransientInterval { get; } = TimeSpan.FromSeconds(Math.Max(1, settings.TransientRetryIntervalSeconds));
    public int TransientAttempts { get; } = Math.Max(0, settings.TransientRetryAttempts);
    public TimeSpan SlowInterval { get; } = TimeSpan.FromSeconds(Math.Max(1, settings.OutboundConnectionFailureRetryIntervalSeconds));
    public TimeSpan DelayNotificationAfter { get; } = TimeSpan.FromSeconds(Math.Max(1, settings.DelayNotificationTimeoutSeconds));
    public TimeSpan Expiration { get; } = TimeSpan.FromSeconds(Math.Max(1, settings.MessageExpirationTimeoutSeconds));

    public DateTimeOffset ExpiresAt(DateTimeOffset queuedAt) => queuedAt + Expiration;

    public bool IsExpired(DateTimeOffset queuedAt, DateTimeOffset now) => now >= ExpiresAt(queuedAt);

    /// <summary>The delay DSN is due once the message waited DelayNotificationTimeout (and only if that comes before expiry: then the NDR says it all).</summary>
    public bool IsDelayNotificationDue(DateTimeOffset queuedAt, DateTimeOffset now) =>
        DelayNotificationAfter < Expiration && now >= queuedAt + DelayNotificationAfter;

    /// <param name="failedAttempts">Attempts made so far, including the one that just failed.</param>
    /// <param name="delayNotified">Whether the delay DSN already went out (then its time no longer caps the retry).</param>
    public DateTimeOffset NextRetry(DateTimeOffset queuedAt, int failedAttempts, DateTimeOffset now, bool delayNotified = true)
    {
        var interval = failedAttempts <= TransientAttempts ? TransientInterval : SlowInterval;
        var next = now + interval;
        var notifyAt = queuedAt + DelayNotificationAfter;
        if (!delayNotified && DelayNotificationAfter < Expiration && notifyAt > now && next > notifyAt)
            next = notifyAt;
        var expiresAt = ExpiresAt(queuedAt);
        return next > expiresAt ? (expiresAt > now ? expiresAt : now) : next;
    }
}
