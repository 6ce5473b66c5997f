using Mailflow.Admin.Web.Cluster;

namespace Mailflow.Admin.Web.Tests;

public sealed class GenerationStatusTests
{
    [Fact]
    public void Summary_WhenEveryNodeRunsTheLatestGeneration_ListsThemAll()
    {
        var status = new GenerationStatus(42, [new("node-a", 42), new("node-b", 42)]);

        Assert.Equal("generation 42 active on node-a, node-b", status.Summary);
        Assert.True(status.AllCurrent);
    }

    [Fact]
    public void Summary_WhenANodeIsBehind_SaysWhichGenerationItStillRuns()
    {
        var status = new GenerationStatus(42, [new("node-a", 42), new("node-b", 41)]);

        Assert.Equal("generation 42 active on node-a; node-b still on 41", status.Summary);
        Assert.False(status.AllCurrent);
    }

    [Fact]
    public void Summary_WhenNoNodeReports_SaysSo()
    {
        var status = new GenerationStatus(3, []);

        Assert.Equal("generation 3 saved; no node is reporting", status.Summary);
        Assert.False(status.AllCurrent);
    }
}
