using System.Text;
using Mailflow.Server.Transport.Queue;

namespace Mailflow.Queue.Tests;

public sealed class HeaderSummaryTests
{
    [Fact]
    public void Parse_ReadsDecodedSubjectFromAndMessageId_WhenHeadersAreFolded()
    {
        var summary = HeaderSummary.Parse(Encoding.ASCII.GetBytes(
            "Received: from a by b; Mon, 2 Mar 2026 09:00:00 +0000\r\n" +
            "Subject: =?ISO-8859-1?Q?Caf=E9?=\r\n and more\r\n" +
            "From: \"Bob\" <bob@example.test>\r\n" +
            "Message-ID: <x@y>\r\n\r\nbody"));

        Assert.Equal("Café and more", summary.Subject);
        Assert.Equal("\"Bob\" <bob@example.test>", summary.From);
        Assert.Equal("<x@y>", summary.MessageId);
    }

    [Fact]
    public void Parse_ReturnsNulls_WhenContentHasNoHeaderSection()
    {
        var summary = HeaderSummary.Parse(Encoding.ASCII.GetBytes("just some text without any header\r\n"));

        Assert.Null(summary.Subject);
        Assert.Null(summary.From);
        Assert.Null(summary.MessageId);
    }

    [Fact]
    public void Clean_RemovesWhatTextColumnsReject_WhenValueHasControlsAndBrokenSurrogates()
    {
        var cleaned = HeaderSummary.Clean("a\0b\u0007c\ud800d 😀");

        Assert.Equal("a b c\uFFFDd 😀", cleaned);
    }

    [Fact]
    public void Clean_CutsToColumnLength_WithoutSplittingASurrogatePair()
    {
        var cleaned = HeaderSummary.Clean(new string('x', 997) + "😀😀");

        Assert.NotNull(cleaned);
        Assert.Equal(997, cleaned.Length);
        Assert.Null(HeaderSummary.Clean(" \t "));
    }
}
