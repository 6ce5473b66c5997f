using Mailflow.Admin.Web.Components.Pages;
using Mailflow.Cluster;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The overview's back pressure element: the level, why, and every reading.</summary>
public sealed class BackPressurePanelTests : MudBunitContext
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 5, TimeSpan.Zero);

    protected override bool SeedDefaults => false;

    [Fact]
    public void High_ShowsTheLevelWhyAndEveryReading()
    {
        JSInterop.Setup<string?>("mailflowTime.zone"); // stays UTC
        var state = new BackPressureState(BackPressureLevel.High,
        [
            new(BackPressureResource.DiskSpace, BackPressureLevel.High, "free disk space in the data directory: 312 MB (high below 500 MB)"),
            new(BackPressureResource.Database, BackPressureLevel.Normal, "database reachable"),
            new(BackPressureResource.Memory, BackPressureLevel.Normal, "memory in use: 12.5 %"),
            new(BackPressureResource.SubmissionBacklog, BackPressureLevel.Medium, "submission queue: 11000 messages (medium at or above 10000)"),
        ], Noon, Noon.AddMinutes(3));

        var panel = Render<BackPressurePanel>(p => p.Add(x => x.State, state));

        Assert.Equal("High", panel.Find("[data-testid=back-pressure-level]").TextContent.Trim());
        Assert.Equal("High", panel.Find("#dashboard-back-pressure").GetAttribute("data-level"));
        Assert.Equal("New messages are refused with 452 4.3.1: free disk space in the data directory: 312 MB (high below 500 MB)",
            panel.Find("[data-testid=back-pressure-why]").TextContent.Trim());
        Assert.Equal("2026-12-07 12:00:05\u00A0UTC", panel.Find("#dashboard-back-pressure time").TextContent);
        var rows = panel.FindAll("[data-testid=back-pressure-reading]");
        Assert.Equal(4, rows.Count);
        var cells = rows[3].QuerySelectorAll("td");
        Assert.Equal("SubmissionBacklog", rows[3].GetAttribute("data-resource"));
        Assert.Equal("submission queue: 11000 messages (medium at or above 10000)", cells[0].TextContent.Trim());
        Assert.Equal("Medium", cells[1].TextContent.Trim());
    }

    [Fact]
    public void Medium_SaysOnlyAnonymousSendersAreRefused()
    {
        var state = new BackPressureState(BackPressureLevel.Medium,
            [new(BackPressureResource.SubmissionBacklog, BackPressureLevel.Medium, "submission queue: 11000 messages (medium at or above 10000)")], Noon, Noon);

        var panel = Render<BackPressurePanel>(p => p.Add(x => x.State, state));

        Assert.Equal("Medium", panel.Find("[data-testid=back-pressure-level]").TextContent.Trim());
        Assert.StartsWith("Anonymous senders are refused with 452 4.3.1: submission queue: 11000 messages", panel.Find("[data-testid=back-pressure-why]").TextContent.Trim());
    }

    [Fact]
    public void Normal_ShowsReadingsWithoutARefusal()
    {
        var state = new BackPressureState(BackPressureLevel.Normal, [new(BackPressureResource.Database, BackPressureLevel.Normal, "database reachable")], Noon, Noon);

        var panel = Render<BackPressurePanel>(p => p.Add(x => x.State, state));

        Assert.Equal("Normal", panel.Find("[data-testid=back-pressure-level]").TextContent.Trim());
        Assert.Empty(panel.FindAll("[data-testid=back-pressure-why]"));
        Assert.Single(panel.FindAll("[data-testid=back-pressure-reading]"));
    }

    [Fact]
    public void BeforeTheFirstSample_SaysNotMeasured()
    {
        var panel = Render<BackPressurePanel>(p => p.Add(x => x.State, BackPressureState.Unmeasured(Noon)));

        Assert.NotNull(panel.Find("[data-testid=back-pressure-unmeasured]"));
        Assert.Empty(panel.FindAll("[data-testid=back-pressure-reading]"));
    }
}
