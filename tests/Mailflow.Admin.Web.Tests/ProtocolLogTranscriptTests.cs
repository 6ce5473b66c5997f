using Mailflow.Admin.Web.Components.Pages.Logs;
using Mailflow.Tracking;

namespace Mailflow.Admin.Web.Tests;

public sealed class ProtocolLogTranscriptTests : MudBunitContext
{
    protected override bool SeedDefaults => false;

    [Fact]
    public void Parse_WhenDataIsQuotedWithCommasAndQuotes_KeepsItWhole()
    {
        var line = ProtocolLogLine.Parse("2026-11-24T12:00:01.250Z,Default Frontend,08DE1A,127.0.0.1:25,192.0.2.7:52100,<,\"MAIL FROM:<\"\"odd,name\"\"@contoso.test>\"");

        Assert.NotNull(line);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 0, 1, 250, TimeSpan.Zero), line.Time);
        Assert.Equal("Default Frontend", line.Connector);
        Assert.Equal("08DE1A", line.SessionId);
        Assert.Equal("192.0.2.7", line.RemoteAddress);
        Assert.Equal("<", line.Event);
        Assert.Equal("MAIL FROM:<\"odd,name\"@contoso.test>", line.Data);
    }

    [Fact]
    public void Parse_WhenUnquotedDataHasNoComma_ReadsAllSevenFields()
    {
        var line = ProtocolLogLine.Parse("2026-11-24T12:00:00.000Z,Client Frontend,S1,[::1]:587,[::1]:40000,>,250 2.0.0 OK");

        Assert.NotNull(line);
        Assert.Equal("::1", line.RemoteAddress);
        Assert.Equal(">", line.Event);
        Assert.Equal("250 2.0.0 OK", line.Data);
    }

    [Theory]
    [InlineData("#Fields: date-time,connector-id,session-id,local-endpoint,remote-endpoint,event,data")]
    [InlineData("")]
    [InlineData("not a log line")]
    [InlineData("yesterday,a,b,c,d,*,text")]
    public void Parse_WhenLineIsHeaderOrDamaged_ReturnsNull(string text) => Assert.Null(ProtocolLogLine.Parse(text));

    [Fact]
    public void Transcript_WhenRendered_ShowsEveryLineInOrderWithItsDirection()
    {
        var lines = new[]
        {
            "2026-11-24T12:00:00.000Z,Default,S1,127.0.0.1:25,127.0.0.1:5000,*,Connection from 127.0.0.1",
            "2026-11-24T12:00:00.001Z,Default,S1,127.0.0.1:25,127.0.0.1:5000,>,220 mail.contoso.test ESMTP",
            "2026-11-24T12:00:00.002Z,Default,S1,127.0.0.1:25,127.0.0.1:5000,<,EHLO <script>x</script>",
        }.Select(l => ProtocolLogLine.Parse(l)!).ToList();

        var transcript = Render<ProtocolTranscript>(p => p.Add(x => x.Lines, lines));

        var rendered = transcript.FindAll("[data-testid=transcript-line]");
        Assert.Equal(["*", ">", "<"], rendered.Select(r => r.GetAttribute("data-event")));
        Assert.Contains("S: 220 mail.contoso.test ESMTP", rendered[1].TextContent);
        Assert.Contains("C: EHLO <script>x</script>", rendered[2].TextContent);
        Assert.Empty(transcript.FindAll("script"));
    }

    [Fact]
    public void Transcript_OfASendSession_LabelsOurCommandsAsTheClientAndTheRepliesAsTheServer()
    {
        var lines = new[]
        {
            "2026-11-24T12:00:00.000Z,Partner relay,S1a,127.0.0.1:47762,192.0.2.25:25,<,220 smtp.partner.example ESMTP",
            "2026-11-24T12:00:00.001Z,Partner relay,S1a,127.0.0.1:47762,192.0.2.25:25,>,EHLO mx.contoso.test",
        }.Select(l => ProtocolLogLine.Parse(l)!).ToList();

        var transcript = Render<ProtocolTranscript>(p => p.Add(x => x.Lines, lines).Add(x => x.Direction, ProtocolLogOutcome.Direction.Send));

        var rendered = transcript.FindAll("[data-testid=transcript-line]");
        Assert.Contains("S: 220 smtp.partner.example ESMTP", rendered[0].TextContent);
        Assert.Contains("C: EHLO mx.contoso.test", rendered[1].TextContent);
    }
}
