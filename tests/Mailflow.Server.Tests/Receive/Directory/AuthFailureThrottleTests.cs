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

    [Fact]
    public void IPv6Clients_AreCountedPerSlash64()
    {
        var throttle = new AuthFailureThrottle(new FakeTimeProvider());
        // A guesser rotating through its /64 (privacy addresses) is still one client.
        for (var i = 0; i < AuthFailureThrottle.IpLockoutThreshold; i++)
            throttle.RecordFailure(IPAddress.Parse($"2001:db8:1:2::{i + 1:x}"), $"user{i}@contoso.test");

        Assert.True(throttle.IsLockedOut(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        Assert.False(throttle.IsLockedOut(IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public void AnAccount_GuessedFromManyAddresses_RunsOutOfAttempts_ThenRefills()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time);
        for (var i = 0; i < AuthFailureThrottle.AccountBurst; i++)
        {
            Assert.True(throttle.AccountMayTry("bob@contoso.test"));
            throttle.RecordFailure(IPAddress.Parse($"198.51.100.{i + 1}"), "bob@contoso.test");
        }

        Assert.False(throttle.AccountMayTry("Bob@Contoso.test"));
        Assert.True(throttle.AccountMayTry("carol@contoso.test"));
        time.Advance(AuthFailureThrottle.AccountRefill);
        Assert.True(throttle.AccountMayTry("bob@contoso.test"));
    }

    [Fact]
    public async Task AttemptsAgainstOneAccount_AreVerifiedOneAtATime()
    {
        var throttle = new AuthFailureThrottle(new FakeTimeProvider());
        var first = await throttle.SerializeAsync("bob@contoso.test", CancellationToken.None);
        var second = throttle.SerializeAsync("BOB@contoso.test", CancellationToken.None);
        var other = throttle.SerializeAsync("carol@contoso.test", CancellationToken.None);

        Assert.True(other.IsCompletedSuccessfully);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        (await other).Dispose();
        Assert.Equal(0, throttle.TrackedKeys); // no one holds or waits: the locks are gone
    }

    [Fact]
    public void IdleKeys_AreEvicted_SoMemoryDoesNotGrowWithTheNumberOfGuessers()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time);
        for (var i = 0; i < 5_000; i++)
            throttle.RecordFailure(new IPAddress(0x0A000000u + (uint)i), $"user{i}@contoso.test");
        Assert.True(throttle.TrackedKeys >= 10_000);

        time.Advance(AuthFailureThrottle.Window + AuthFailureThrottle.AccountRefill * AuthFailureThrottle.AccountBurst);
        throttle.RecordFailure(Attacker, "bob@contoso.test");

        Assert.True(throttle.TrackedKeys <= 3, $"{throttle.TrackedKeys} keys still held");
    }
}
