using System.Net;
using Mailflow.Server.Transport.Receive.Directory;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Server.Tests.Receive.Directory;

public sealed class AuthFailureThrottleTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress Colleague = IPAddress.Parse("198.51.100.20");

    [Fact]
    public void Delay_IsZeroForFirstFailures_ThenDoublesUpToTheCap()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time);
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            delays.Add(throttle.DelayFor(Attacker, "bob@contoso.test"));
            throttle.RecordFailure(Attacker, "bob@contoso.test");
        }

        Assert.Equal([0, 0, 0, 1, 2, 4, 8, 16, 16, 16], delays.Select(d => (int)d.TotalSeconds));
    }

    [Fact]
    public void AccountDelay_AppliesFromEveryAddress_ButLockoutOnlyToTheGuessingAddress()
    {
        var throttle = new AuthFailureThrottle(new FakeTimeProvider());
        for (var i = 0; i < AuthFailureThrottle.IpLockoutThreshold; i++)
            throttle.RecordFailure(Attacker, "bob@contoso.test");

        Assert.True(throttle.IsLockedOut(Attacker));
        // Bob signing in from elsewhere is slowed (his account is under attack), never locked out.
        Assert.False(throttle.IsLockedOut(Colleague));
        Assert.Equal(AuthFailureThrottle.MaxDelay, throttle.DelayFor(Colleague, "BOB@contoso.test"));
        Assert.Equal(TimeSpan.Zero, throttle.DelayFor(Colleague, "carol@contoso.test"));
    }

    [Fact]
    public void Failures_AreForgotten_When_TheWindowPasses()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time);
        for (var i = 0; i < AuthFailureThrottle.IpLockoutThreshold; i++)
            throttle.RecordFailure(Attacker, "bob@contoso.test");

        time.Advance(AuthFailureThrottle.Window + TimeSpan.FromSeconds(1));

        Assert.False(throttle.IsLockedOut(Attacker));
        Assert.Equal(TimeSpan.Zero, throttle.DelayFor(Attacker, "bob@contoso.test"));
    }
}
