using Mailflow.Admin.Web.LiveUpdates;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Admin.Web.Tests;

public sealed class ChangeDebouncerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    private readonly FakeTimeProvider _time = new();
    private int _fired;

    private ChangeDebouncer Create() => new(_time, Quiet, Max, () => Interlocked.Increment(ref _fired));

    [Fact]
    public void Burst_FiresOnce_When_SignalsStopForTheQuietPeriod()
    {
        using var debouncer = Create();

        debouncer.Signal();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        debouncer.Signal();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        debouncer.Signal();
        _time.Advance(Quiet - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _fired);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _fired);
        _time.Advance(Max);
        Assert.Equal(1, _fired);
    }

    [Fact]
    public void SteadyStream_FiresAtTheMaximumDelay_When_SignalsNeverPause()
    {
        using var debouncer = Create();

        for (var elapsed = TimeSpan.Zero; elapsed < Max; elapsed += TimeSpan.FromMilliseconds(100))
        {
            debouncer.Signal();
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, _fired);
    }

    [Fact]
    public void NextBurst_FiresAgain_When_ItComesAfterTheFirstFired()
    {
        using var debouncer = Create();
        debouncer.Signal();
        _time.Advance(Quiet);

        debouncer.Signal();
        _time.Advance(Quiet);

        Assert.Equal(2, _fired);
    }

    [Fact]
    public void Dispose_SuppressesThePendingCallback_When_ASignalIsWaiting()
    {
        var debouncer = Create();
        debouncer.Signal();

        debouncer.Dispose();
        _time.Advance(Max);
        debouncer.Signal();
        _time.Advance(Max);

        Assert.Equal(0, _fired);
    }
}
