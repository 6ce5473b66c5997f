using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Server.Transport.BackPressure;

namespace Mailflow.Server.Tests.Receive;

/// <summary>Levels with hysteresis: entered at the threshold, left only past it by the hysteresis percentage.</summary>
public class BackPressureEvaluatorTests
{
    private static readonly OrganizationSettings Settings = new()
    {
        BackPressureSubmissionMedium = 100,
        BackPressureSubmissionHigh = 200,
        BackPressureDiskFreeMediumMegabytes = 1000,
        BackPressureDiskFreeHighMegabytes = 500,
        BackPressureMemoryMediumPercent = 0,
        BackPressureMemoryHighPercent = 0,
        BackPressureHysteresisPercent = 10,
    };

    private static List<BackPressureLevel> Walk(BackPressureResource resource, IEnumerable<BackPressureSample> samples)
    {
        var levels = new Dictionary<BackPressureResource, BackPressureLevel>();
        var seen = new List<BackPressureLevel>();
        foreach (var sample in samples)
        {
            foreach (var reading in BackPressureEvaluator.Evaluate(sample, Settings, levels))
                levels[reading.Resource] = reading.Level;
            seen.Add(levels[resource]);
        }
        return seen;
    }

    [Fact]
    public void SubmissionBacklog_RisesAtTheThresholds_AndFallsOnlyPastTheHysteresis()
    {
        int[] backlog = [99, 100, 200, 181, 179, 91, 89];
        var levels = Walk(BackPressureResource.SubmissionBacklog, backlog.Select(n => new BackPressureSample(null, true, null, n)));

        Assert.Equal([BackPressureLevel.Normal, BackPressureLevel.Medium, BackPressureLevel.High, BackPressureLevel.High,
            BackPressureLevel.Medium, BackPressureLevel.Medium, BackPressureLevel.Normal], levels);
    }

    [Fact]
    public void DiskSpace_LessFreeIsWorse_WithTheSameHysteresis()
    {
        const long mb = 1024 * 1024;
        long[] free = [1001, 1000, 499, 540, 560, 1090, 1110];
        var levels = Walk(BackPressureResource.DiskSpace, free.Select(f => new BackPressureSample(f * mb, true, null, null)));

        Assert.Equal([BackPressureLevel.Normal, BackPressureLevel.Medium, BackPressureLevel.High, BackPressureLevel.High,
            BackPressureLevel.Medium, BackPressureLevel.Medium, BackPressureLevel.Normal], levels);
    }

    [Fact]
    public void UnreachableDatabase_IsHighAtOnce_AndNormalWhenItAnswers()
    {
        var levels = Walk(BackPressureResource.Database, [new(null, false, null, null), new(null, true, null, null)]);

        Assert.Equal([BackPressureLevel.High, BackPressureLevel.Normal], levels);
    }

    [Fact]
    public void Why_NamesTheReadingsThatSetTheLevel()
    {
        var readings = BackPressureEvaluator.Evaluate(new BackPressureSample(2000L * 1024 * 1024, true, null, 250), Settings, new Dictionary<BackPressureResource, BackPressureLevel>());
        var state = new BackPressureState(BackPressureLevel.High, readings, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        Assert.Equal("submission queue: 250 messages (high at or above 200)", state.Why);
        Assert.Contains(readings, r => r.Description == "free disk space in the data directory: 2000 MB" && r.Level == BackPressureLevel.Normal);
        Assert.DoesNotContain(readings, r => r.Resource == BackPressureResource.Memory); // 0 = off
    }
}
