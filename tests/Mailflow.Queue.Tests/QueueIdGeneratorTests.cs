using Mailflow.Server.Transport.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Queue.Tests;

public sealed class QueueIdGeneratorTests
{
    private const string CrockfordBase32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Fact]
    public void Next_ReturnsStrictlyIncreasingUniqueIds_WhenClockStandsStill()
    {
        var generator = new QueueIdGenerator(new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)));

        var ids = Enumerable.Range(0, 20_000).Select(_ => generator.Next()).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.Equal(QueueIdGenerator.Length, id.Length));
        Assert.All(ids, id => Assert.True(id.All(CrockfordBase32.Contains), id));
    }

    [Fact]
    public void Next_SortsByAcceptanceTime_WhenClockAdvancesOrStepsBack()
    {
        var clock = new SteppingClock { Now = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero) };
        var generator = new QueueIdGenerator(clock);

        var first = generator.Next();
        clock.Now += TimeSpan.FromMilliseconds(1);
        var second = generator.Next();
        clock.Now -= TimeSpan.FromSeconds(30); // NTP stepped the clock back
        var third = generator.Next();
        clock.Now += TimeSpan.FromDays(400);
        var fourth = generator.Next();

        Assert.True(string.CompareOrdinal(first, second) < 0);
        Assert.True(string.CompareOrdinal(second, third) < 0);
        Assert.True(string.CompareOrdinal(third, fourth) < 0);
    }

    /// <summary>FakeTimeProvider refuses to go back in time; real clocks sometimes do.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Next_DiffersBetweenGenerators_WhenTwoNodesAcceptInTheSameMillisecond()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var nodeA = new QueueIdGenerator(time);
        var nodeB = new QueueIdGenerator(time);

        var fromA = Enumerable.Range(0, 1000).Select(_ => nodeA.Next()).ToHashSet();
        var fromB = Enumerable.Range(0, 1000).Select(_ => nodeB.Next()).ToList();

        Assert.DoesNotContain(fromB, fromA.Contains);
        // Same millisecond: the 9-character time prefix is shared, the node tag and sequence differ.
        Assert.Single(fromA.Concat(fromB).Select(id => id[..9]).Distinct());
    }
}
