using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;

namespace Mailflow.Server.Tests.Receive;

public class SessionDataTests
{
    private static async Task<SessionScript> ReadyForDataAsync(RecordingSink sink, Mailflow.Server.Transport.Receive.Policy.ReceivePolicy? policy = null, string mailParameters = "")
    {
        var s = await SessionScript.StartAsync(policy, sink: sink);
        await s.EhloAsync();
        await s.SendAsync($"MAIL FROM:<sender@remote.test>{mailParameters}", "250 2.1.0");
        await s.SendAsync("RCPT TO:<alice@local.test>", "250 2.1.5");
        return s;
    }

    [Fact]
    public async Task Data_WhenMessageEndsWithCrlfDotCrlf_QueuesItAfterCommit()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354 Start mail input");
        await s.SendAsync("Subject: test\r\n\r\nHello\r\n.", "250 2.6.0 <Q1> Queued mail for delivery");
        var message = Assert.Single(sink.Committed);
        Assert.Equal("Subject: test\r\n\r\nHello\r\n", message.Body);
        await s.SendAsync("NOOP", "250 2.0.0");
    }

    [Fact]
    public async Task Data_WhenCommitted_PrependsReceivedHeader()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        await s.SendAsync("\r\nx\r\n.", "250 2.6.0");
        Assert.StartsWith(
            "Received: from client.example ([198.51.100.7])\r\n\tby mx.local.test with ESMTP id S1.1\r\n\tfor <alice@local.test>; Mon, 24 Nov 2025 10:00:00 +0000\r\n",
            Assert.Single(sink.Committed).Text);
    }

    [Fact]
    public async Task Data_WhenLinesStartWithDots_UnstuffsThem()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        await s.SendAsync("..hidden\r\n...\r\n. leading\r\nmid.dle\r\n..\r\n.", "250 2.6.0");
        Assert.Equal(".hidden\r\n..\r\n leading\r\nmid.dle\r\n.\r\n", Assert.Single(sink.Committed).Body);
    }

    [Fact]
    public async Task Data_WhenMessageArrivesOneByteAtATime_StoresItUnchanged()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        foreach (var b in Encoding.ASCII.GetBytes("A: b\r\n\r\n..x\r\ny\r\r\n.\r\n"))
            await s.SendRawAsync([b]);
        await s.ExpectAsync("550 5.6.11"); // the bare CR before CRLF is caught even split across reads
        Assert.Empty(sink.Committed);

        await s.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await s.SendAsync("RCPT TO:<alice@local.test>", "250");
        await s.SendAsync("DATA", "354");
        foreach (var b in Encoding.ASCII.GetBytes("A: b\r\n\r\n..x\r\ny\r\n.\r\n"))
            await s.SendRawAsync([b]);
        await s.ExpectAsync("250 2.6.0");
        Assert.Equal("A: b\r\n\r\n.x\r\ny\r\n", Assert.Single(sink.Committed).Body);
    }

    public static TheoryData<string> SmugglingEndings => new()
    {
        "\n.\n",
        "\n.\r\n",
        "\r.\r",
        "\r\n.\r",
        "\r\n.\n",
        "\r.\r\n",
        "\n.\r",
        "\r\n\n.\r\n",
    };

    [Theory]
    [MemberData(nameof(SmugglingEndings))]
    public async Task Data_WhenFakeEndOfDataIsSmuggled_NeverEndsTheMessageAndRejectsIt(string fakeEnding)
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        await s.SendRawAsync($"Subject: a{fakeEnding}MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\n");
        Assert.False(s.HasPendingOutput(), "the smuggled commands must not be answered");
        await s.SendRawAsync("smuggled\r\n.\r\n");
        await s.ExpectAsync("550 5.6.11");
        Assert.Empty(sink.Committed);
        Assert.Equal(1, sink.Aborted);
        // The session is still in sync: the next command is answered as a command.
        await s.SendAsync("NOOP", "250 2.0.0");
        Assert.False(s.HasPendingOutput());
    }

    [Theory]
    [MemberData(nameof(SmugglingEndings))]
    public async Task Data_WhenBareLineEndingsAreNormalized_StoresSmuggledTextAsContent(string fakeEnding)
    {
        var sink = new RecordingSink();
        var policy = SessionScript.DefaultPolicy with { BareLineEndings = BareLineEndingPolicy.Normalize };
        await using var s = await ReadyForDataAsync(sink, policy);
        await s.SendAsync("DATA", "354");
        await s.SendRawAsync($"Subject: a{fakeEnding}MAIL FROM:<evil@attacker.test>\r\n");
        await s.SendRawAsync(".\r\n");
        await s.ExpectAsync("250 2.6.0");
        var body = Assert.Single(sink.Committed).Body;
        Assert.Contains("MAIL FROM:<evil@attacker.test>\r\n", body);
        Assert.DoesNotContain("\r\r", body);
        Assert.Equal(body.Split("\r\n").Length - 1, body.Count(c => c == '\n'));
        Assert.Equal(body.Count(c => c == '\r'), body.Count(c => c == '\n'));
        Assert.False(s.HasPendingOutput(), "exactly one reply for one message");
    }

    [Fact]
    public async Task Data_WhenLineExceeds1000Octets_DrainsAndReplies500()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        await s.SendRawAsync(new string('a', 998) + "\r\n"); // exactly 1000 with CRLF: fine
        await s.SendRawAsync(new string('b', 999) + "\r\nMAIL FROM:<x@y.test>\r\n.\r\n");
        await s.ExpectAsync("500 5.5.6");
        Assert.Empty(sink.Committed);
        await s.SendAsync("NOOP", "250");
    }

    [Fact]
    public async Task Data_WhenMessageOutgrowsLimitWhileStreaming_StopsWritingDrainsAndReplies552()
    {
        var sink = new RecordingSink();
        var policy = SessionScript.DefaultPolicy with { MaxMessageSize = 10_000 };
        await using var s = await ReadyForDataAsync(sink, policy);
        await s.SendAsync("DATA", "354");
        var line = new string('x', 98) + "\r\n";
        for (var i = 0; i < 500; i++)
            await s.SendRawAsync(line);
        await s.SendRawAsync(".\r\n");
        await s.ExpectAsync("552 5.3.4");
        Assert.Empty(sink.Committed);
        Assert.Equal(1, sink.Aborted);
        await s.SendAsync("MAIL FROM:<a@remote.test>", "250 2.1.0");
    }

    [Fact]
    public async Task Data_WhenMessageIsLarge_StreamsToTheSinkInSlices()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        var line = new string('x', 78) + "\r\n";
        var chunk = string.Concat(Enumerable.Repeat(line, 100));
        for (var i = 0; i < 200; i++)
            await s.SendRawAsync(chunk);
        await s.SendRawAsync(".\r\n");
        await s.ExpectAsync("250 2.6.0");
        Assert.Equal(200 * chunk.Length, Assert.Single(sink.Committed).Body.Length);
        Assert.True(sink.LargestWrite < 200 * chunk.Length / 10, $"largest write {sink.LargestWrite} looks like accumulation");
    }

    [Fact]
    public async Task Data_WhenBodyIsBinaryMime_Returns503()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink, mailParameters: " BODY=BINARYMIME");
        await s.SendAsync("DATA", "503 5.5.1");
    }

    [Fact]
    public async Task Data_WhenSinkFailsToBegin_Returns451AndSessionSurvives()
    {
        var sink = new RecordingSink { FailOnBegin = true };
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "451 4.3.0");
        await s.SendAsync("NOOP", "250");
    }

    [Fact]
    public async Task Data_WhenSinkFailsWhileWriting_DrainsAndReplies451()
    {
        var sink = new RecordingSink { FailOnWrite = true };
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        await s.SendAsync("Subject: x\r\n\r\nbody\r\nQUIT\r\n.", "451 4.3.0");
        await s.SendAsync("NOOP", "250");
    }

    [Fact]
    public async Task Data_WhenCommitFails_Replies451NotQueued()
    {
        var sink = new RecordingSink { FailOnCommit = true };
        await using var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        await s.SendAsync("\r\nbody\r\n.", "451 4.3.0");
        Assert.Empty(sink.Committed);
        await s.SendAsync("MAIL FROM:<a@remote.test>", "250");
    }

    [Fact]
    public async Task Data_WhenClientDisconnectsMidMessage_AbortsTheTransaction()
    {
        var sink = new RecordingSink();
        var s = await ReadyForDataAsync(sink);
        await s.SendAsync("DATA", "354");
        await s.SendRawAsync("Subject: partial\r\n");
        await s.DisposeAsync();
        Assert.Empty(sink.Committed);
        Assert.Equal(1, sink.Aborted);
    }

    [Fact]
    public async Task Bdat_WhenChunksArrive_QueuesTheConcatenationAfterLast()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink, mailParameters: " BODY=BINARYMIME");
        await s.SendRawAsync("BDAT 12\r\nSubject: a\r\n");
        await s.ExpectAsync("250 2.0.0 12 octets received");
        await s.SendRawAsync("BDAT 9 LAST\r\n\r\n.\r\n\0\n\r\n");
        await s.ExpectAsync("250 2.6.0 <Q1>");
        Assert.Equal("Subject: a\r\n\r\n.\r\n\0\n\r\n", Assert.Single(sink.Committed).Body);
    }

    [Fact]
    public async Task Bdat_WhenPipelinedWithCommands_ReadsExactlyTheChunkSize()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendRawAsync("BDAT 6 LAST\r\nQUIT\r\nNOOP\r\n");
        await s.ExpectAsync("250 2.6.0");
        await s.ExpectAsync("250 2.0.0");
        Assert.Equal("QUIT\r\n", Assert.Single(sink.Committed).Body);
    }

    [Fact]
    public async Task Bdat_WhenOutOfSequence_DiscardsTheChunkInsteadOfReadingItAsCommands()
    {
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(sink: sink);
        await s.EhloAsync();
        const string chunk = "MAIL FROM:<evil@attacker.test>\r\nQUIT\r\n";
        await s.SendRawAsync($"BDAT {chunk.Length}\r\n{chunk}NOOP\r\n");
        await s.ExpectAsync("503 5.5.1");
        await s.ExpectAsync("250 2.0.0");
        Assert.False(s.HasPendingOutput());
    }

    [Fact]
    public async Task Bdat_WhenMessageOutgrowsLimit_Replies552AfterTheChunk()
    {
        var sink = new RecordingSink();
        var policy = SessionScript.DefaultPolicy with { MaxMessageSize = 100 };
        await using var s = await ReadyForDataAsync(sink, policy);
        await s.SendRawAsync("BDAT 80\r\n" + new string('a', 80));
        await s.ExpectAsync("250 2.0.0 80 octets");
        await s.SendRawAsync("BDAT 80 LAST\r\n" + new string('b', 80));
        await s.ExpectAsync("552 5.3.4");
        Assert.Empty(sink.Committed);
        await s.SendAsync("NOOP", "250");
    }

    [Fact]
    public async Task Bdat_WhenDataIsSentBetweenChunks_Returns503()
    {
        var sink = new RecordingSink();
        await using var s = await ReadyForDataAsync(sink);
        await s.SendRawAsync("BDAT 3\r\nabc");
        await s.ExpectAsync("250 2.0.0 3 octets");
        await s.SendAsync("DATA", "503 5.5.1");
        await s.SendAsync("BDAT 0 LAST", "250 2.6.0");
        Assert.Equal("abc", Assert.Single(sink.Committed).Body);
    }
}
