using System.Text;
using Mailflow.Configuration;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>
/// BDAT content that is not BODY=BINARYMIME is RFC 5322 text (RFC 3030 §3): a bare CR or LF in it is
/// the SMTP smuggling vector DATA already refuses, on a real loopback socket.
/// </summary>
public class BdatLineEndingWireTests
{
    private static Task<ReceiveHost> StartHostAsync(BareLineEndingPolicy policy = BareLineEndingPolicy.Reject) =>
        ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None, c => c.BareLineEndings = policy));

    private static async Task<RawSmtpClient> ConnectAsync(ReceiveHost host)
    {
        var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        var ehlo = await client.SendAsync("EHLO c.test", "250 ");
        Assert.Contains("CHUNKING", ehlo);
        return client;
    }

    private static async Task StartTransactionAsync(RawSmtpClient client, string body = "")
    {
        await client.SendAsync($"MAIL FROM:<a@remote.test>{body}", "250 2.1.0");
        await client.SendAsync("RCPT TO:<alice@local.test>", "250 2.1.5");
    }

    private static string Chunk(string content, bool last = false) =>
        $"BDAT {Encoding.UTF8.GetByteCount(content)}{(last ? " LAST" : "")}\r\n{content}";

    /// <summary>After a refusal the same session still queues a clean message.</summary>
    private static async Task AssertSessionStillQueuesAsync(ReceiveHost host, RawSmtpClient client)
    {
        await StartTransactionAsync(client);
        await client.SendRawAsync(Chunk("Subject: ok\r\n\r\nclean\r\n", last: true));
        await client.ExpectAsync("250 2.6.0");
        Assert.Equal("Subject: ok\r\n\r\nclean\r\n", Assert.Single(host.Sink.Committed).Body);
        await client.SendAsync("QUIT", "221 2.0.0");
    }

    [Theory]
    [InlineData("Subject: x\r\n\r\nbare\nlf\r\n")]
    [InlineData("Subject: x\r\n\r\nbare\rcr\r\n")]
    [InlineData("Subject: x\r\n\r\ncr before crlf\r\r\n")]
    [InlineData("Subject: x\nHeader: in the header section\r\n\r\nbody\r\n")]
    public async Task Bdat_WhenChunkHasBareLineEnding_Replies550AndSessionSurvives(string content)
    {
        await using var host = await StartHostAsync();
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client);
        await client.SendRawAsync(Chunk(content, last: true));
        await client.ExpectAsync("550 5.6.11");
        Assert.Empty(host.Sink.Committed);
        Assert.Equal(1, host.Sink.Aborted);
        await AssertSessionStillQueuesAsync(host, client);
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\r")]
    [InlineData("\r\n.\n")]
    [InlineData("\r.\r\n")]
    public async Task Bdat_WhenFakeEndOfDataIsSmuggledInsideAChunk_Replies550AndStoresNothing(string fakeEnding)
    {
        await using var host = await StartHostAsync();
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client);
        var content = $"Subject: x\r\n\r\nhi{fakeEnding}MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\nsmuggled\r\n.\r\n";
        await client.SendRawAsync(Chunk(content, last: true));
        await client.ExpectAsync("550 5.6.11");
        Assert.Empty(host.Sink.Committed);
        await AssertSessionStillQueuesAsync(host, client);
        Assert.DoesNotContain(host.Sink.Committed, m => m.Text.Contains("smuggled"));
    }

    [Fact]
    public async Task Bdat_WhenCrlfIsSplitAcrossChunks_AcceptsTheMessageUnchanged()
    {
        await using var host = await StartHostAsync();
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client);
        await client.SendRawAsync(Chunk("Subject: split\r"));
        await client.ExpectAsync("250 2.0.0 15 octets received");
        await client.SendRawAsync(Chunk("\n\r\nbody line\r"));
        await client.ExpectAsync("250 2.0.0 13 octets received");
        await client.SendRawAsync(Chunk("\n", last: true));
        await client.ExpectAsync("250 2.6.0");
        Assert.Equal("Subject: split\r\n\r\nbody line\r\n", Assert.Single(host.Sink.Committed).Body);
    }

    [Fact]
    public async Task Bdat_WhenCrEndsAChunkAndTheNextDoesNotStartWithLf_Replies550()
    {
        await using var host = await StartHostAsync();
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client);
        await client.SendRawAsync(Chunk("Subject: x\r\n\r\nhi\r"));
        await client.ExpectAsync("250 2.0.0");
        await client.SendRawAsync(Chunk(".\r\nMAIL FROM:<evil@attacker.test>\r\n", last: true));
        await client.ExpectAsync("550 5.6.11");
        Assert.Empty(host.Sink.Committed);
        await AssertSessionStillQueuesAsync(host, client);
    }

    [Fact]
    public async Task Bdat_WhenTheLastOctetIsACr_Replies550()
    {
        await using var host = await StartHostAsync();
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client);
        await client.SendRawAsync(Chunk("Subject: x\r\n\r\nends in CR\r"));
        await client.ExpectAsync("250 2.0.0");
        await client.SendRawAsync(Chunk("", last: true));
        await client.ExpectAsync("550 5.6.11");
        Assert.Empty(host.Sink.Committed);
        await AssertSessionStillQueuesAsync(host, client);
    }

    [Fact]
    public async Task Bdat_WhenBodyIsBinaryMime_StoresBareLineEndingsUnchanged()
    {
        await using var host = await StartHostAsync();
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client, " BODY=BINARYMIME");
        const string content = "Subject: bin\r\n\r\n\0bare\nlf and bare\rcr\n.\n";
        await client.SendRawAsync(Chunk("Subject: bin\r"));
        await client.ExpectAsync("250 2.0.0");
        await client.SendRawAsync(Chunk(content["Subject: bin\r".Length..], last: true));
        await client.ExpectAsync("250 2.6.0");
        Assert.Equal(content, Assert.Single(host.Sink.Committed).Body);
    }

    [Fact]
    public async Task Bdat_WhenChunksArePipelinedBehindARefusedOne_DrainsThemWithoutClosingTheSession()
    {
        await using var host = await StartHostAsync();
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client);
        // More chunks than the connector's five protocol errors; their content looks like commands.
        var pipeline = new StringBuilder(Chunk("Subject: x\r\n\r\nbare\nlf\r\n"));
        const int pipelined = 8;
        for (var i = 0; i < pipelined; i++)
            pipeline.Append(Chunk("RSET\r\nMAIL FROM:<evil@attacker.test>\r\n"));
        pipeline.Append(Chunk("QUIT\r\n", last: true));
        pipeline.Append("NOOP\r\n");
        await client.SendRawAsync(pipeline.ToString());
        await client.ExpectAsync("550 5.6.11");
        for (var i = 0; i < pipelined + 1; i++)
            await client.ExpectAsync("503 5.5.1 Bad sequence of commands: the message was already refused");
        await client.ExpectAsync("250 2.0.0"); // the NOOP: read as a command again
        Assert.Empty(host.Sink.Committed);
        await AssertSessionStillQueuesAsync(host, client);
        Assert.DoesNotContain(host.ProtocolLog.Entries, e => e.Text.Contains("evil@attacker.test"));
    }

    [Fact]
    public async Task Bdat_WhenBareLineEndingsAreNormalized_StoresCrlfEvenAcrossChunks()
    {
        await using var host = await StartHostAsync(BareLineEndingPolicy.Normalize);
        await using var client = await ConnectAsync(host);
        await StartTransactionAsync(client);
        await client.SendRawAsync(Chunk("Subject: n\n\r\nbare\rcr then cr at the end\r"));
        await client.ExpectAsync("250 2.0.0");
        await client.SendRawAsync(Chunk(".\nlast\r", last: true));
        await client.ExpectAsync("250 2.6.0");
        Assert.Equal("Subject: n\r\n\r\nbare\r\ncr then cr at the end\r\n.\r\nlast\r\n", Assert.Single(host.Sink.Committed).Body);
    }
}
