using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Admin.Web.Time;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class AdminTimeTests : MudBunitContext
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 5, TimeSpan.Zero);

    protected override bool SeedDefaults => false;

    [Fact]
    public void AdminTime_WhenTheBrowserIsInTokyo_ShowsTokyoTimeWithTheZoneAndTheUtcInstantAsAttribute()
    {
        JSInterop.Setup<string?>("mailflowTime.zone").SetResult("Asia/Tokyo");

        var time = Render<AdminTime>(p => p.Add(x => x.Value, Noon).Add(x => x.Seconds, true));

        time.WaitForAssertion(() => Assert.Equal("2026-12-07 21:00:05 UTC+9", time.Find("time").TextContent), WaitTimeout);
        Assert.Equal("2026-12-07T12:00:05.000Z", time.Find("time").GetAttribute("datetime"));
    }

    [Fact]
    public void AdminTime_BeforeTheBrowserAnswers_ShowsUtcLabelledAsUtc()
    {
        JSInterop.Setup<string?>("mailflowTime.zone"); // never answers

        var time = Render<AdminTime>(p => p.Add(x => x.Value, Noon));

        Assert.Equal("2026-12-07 12:00 UTC", time.Find("time").TextContent);
    }

    [Fact]
    public void AdminTime_WithoutValue_ShowsTheDash()
    {
        var time = Render<AdminTime>(p => p.Add(x => x.Value, (DateTimeOffset?)null));

        Assert.Equal("—", time.Find(".admin-time").TextContent);
    }

    [Theory]
    [InlineData("America/St_Johns", "2026-12-07 08:30 UTC-3:30")]
    [InlineData("Europe/Berlin", "2026-12-07 13:00 UTC+1")]
    [InlineData("not/a-zone", "2026-12-07 12:00 UTC")]
    public void Format_UsesTheZoneOffsetAndOneFormat(string zone, string expected)
    {
        var clock = new AdminClock();
        clock.SetZone(zone);

        Assert.Equal(expected, clock.Format(Noon, seconds: false));
    }

    [Fact]
    public void FromWallClock_ReadsATypedTimeInTheAdminsZone()
    {
        var clock = Services.GetRequiredService<AdminClock>();
        clock.SetZone("Europe/Berlin");

        Assert.Equal(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero), clock.FromWallClock(new DateTime(2026, 7, 1, 10, 0, 0)));
    }
}
