using Mailflow.Configuration;
using Mailflow.Server.Transport.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Delivery.Tests;

/// <summary>The retry schedule is pure: organization settings + the clock in, times out.</summary>
public sealed class RetryScheduleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly RetrySchedule _schedule = new(new OrganizationSettings());

    [Fact]
    public void NextRetry_WhenWithinTheQuickAttempts_UsesTheTransientInterval()
    {
        var queuedAt = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal(_time.GetUtcNow().AddMinutes(5), _schedule.NextRetry(queuedAt, failedAttempts: 1, _time.GetUtcNow()));
        Assert.Equal(_time.GetUtcNow().AddMinutes(5), _schedule.NextRetry(queuedAt, failedAttempts: 6, _time.GetUtcNow()));
    }

    [Fact]
    public void NextRetry_WhenQuickAttemptsAreUsedUp_UsesTheOutboundConnectionFailureInterval()
    {
        var queuedAt = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMinutes(40));

        Assert.Equal(_time.GetUtcNow().AddMinutes(10), _schedule.NextRetry(queuedAt, failedAttempts: 7, _time.GetUtcNow()));
    }

    [Fact]
    public void NextRetry_WhenDelayNotificationIsPending_NeverOvershootsIt()
    {
        var queuedAt = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(2));

        Assert.Equal(queuedAt.AddHours(4), _schedule.NextRetry(queuedAt, failedAttempts: 10, _time.GetUtcNow(), delayNotified: false));
        Assert.Equal(_time.GetUtcNow().AddMinutes(10), _schedule.NextRetry(queuedAt, failedAttempts: 10, _time.GetUtcNow(), delayNotified: true));
    }

    [Fact]
    public void NextRetry_WhenExpiryIsNear_LandsOnTheExpiry()
    {
        var queuedAt = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(3));

        Assert.Equal(queuedAt.AddDays(2), _schedule.NextRetry(queuedAt, failedAttempts: 50, _time.GetUtcNow()));
    }

    [Fact]
    public void Expiry_And_DelayNotification_FollowTheOrganizationSettings()
    {
        var schedule = new RetrySchedule(new OrganizationSettings { DelayNotificationTimeoutSeconds = 3600, MessageExpirationTimeoutSeconds = 7200 });
        var queuedAt = _time.GetUtcNow();

        Assert.False(schedule.IsDelayNotificationDue(queuedAt, queuedAt.AddMinutes(59)));
        Assert.True(schedule.IsDelayNotificationDue(queuedAt, queuedAt.AddHours(1)));
        Assert.False(schedule.IsExpired(queuedAt, queuedAt.AddMinutes(119)));
        Assert.True(schedule.IsExpired(queuedAt, queuedAt.AddHours(2)));
    }

    [Fact]
    public void DelayNotification_WhenItWouldComeAfterExpiry_IsNeverDue()
    {
        var schedule = new RetrySchedule(new OrganizationSettings { DelayNotificationTimeoutSeconds = 7200, MessageExpirationTimeoutSeconds = 3600 });

        Assert.False(schedule.IsDelayNotificationDue(_time.GetUtcNow(), _time.GetUtcNow().AddDays(1)));
    }
}
