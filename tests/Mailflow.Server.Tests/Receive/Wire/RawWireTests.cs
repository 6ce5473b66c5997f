using Mailflow.Configuration;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>Error paths and hostile input on a real loopback socket.</summary>
public class RawWireTests
{
    [Fact]
    public async Task StartTls_WhenCommandsArePipelinedAfterIt_DiscardsThem()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default"));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220 mx.local.test");
        await client.SendAsync("EHLO attacker.test", "250 ");

        // CVE-2011-0411: the injected commands ride in the same packet as STARTTLS.
        await client.SendRawAsync("STARTTLS\r\nMAIL FROM:<evil@attacker.test>\r\nRSET\r\n");
        await client.ExpectAsync("220 2.0.0 Ready to start TLS");
        await client.StartTlsHandshakeAsync(); // would fail if the server read the injected bytes as TLS

        // The first reply under TLS is the answer to our EHLO — not to the injected MAIL/RSET —
        // and the session is back in the post-greeting state.
        await client.SendRawAsync("MAIL FROM:<a@remote.test>\r\n");
        await client.ExpectAsync("503 5.5.1");
        var ehlo = await client.SendAsync("EHLO attacker.test", "250 ");
        Assert.DoesNotContain("STARTTLS", ehlo);
        await client.SendAsync("STARTTLS", "503 5.5.1 TLS already active");
        await client.SendAsync("QUIT", "221");
        Assert.DoesNotContain(host.ProtocolLog.Entries, e => e.Text.Contains("evil@attacker.test"));
    }

    [Fact]
    public async Task StartTls_WhenHandshakeSucceeds_NegotiatesTls12OrNewer()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default"));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO c.test", "250 ");
        await client.SendAsync("STARTTLS", "220 2.0.0");
        await client.StartTlsHandshakeAsync();
        Assert.True(client.TlsProtocol >= System.Security.Authentication.SslProtocols.Tls12);
        await client.SendAsync("EHLO c.test", "250 ");
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\r")]
    [InlineData("\r\n.\n")]
    public async Task Data_WhenSmugglingOverTheWire_AnswersOnceWith550(string fakeEnding)
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO c.test", "250 ");
        await client.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await client.SendAsync("RCPT TO:<alice@local.test>", "250");
        await client.SendAsync("DATA", "354");
        await client.SendRawAsync($"Subject: x\r\n\r\nhi{fakeEnding}MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\nsmuggled\r\n.\r\n");
        await client.ExpectAsync("550 5.6.11");
        await client.SendAsync("QUIT", "221 2.0.0");
        Assert.Empty(host.Sink.Committed);
    }

    [Fact]
    public async Task Pipelining_WhenWholeTransactionSentAtOnce_AnswersEveryCommandInOrder()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO c.test", "250 ");
        await client.SendRawAsync("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@local.test>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\n");
        await client.ExpectAsync("250 2.1.0");
        await client.ExpectAsync("250 2.1.5");
        await client.ExpectAsync("250 2.1.5");
        await client.ExpectAsync("354");
        await client.SendRawAsync("Subject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        await client.ExpectAsync("250 2.6.0");
        await client.ExpectAsync("221");
        Assert.Null(await client.ReadReplyAsync());
        Assert.Single(host.Sink.Committed);
    }

    [Fact]
    public async Task CommandLine_WhenOverlong_IsDrainedAndAnswered500()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendRawAsync("NOOP " + new string('x', 100_000) + "\r\nNOOP\r\n");
        await client.ExpectAsync("500 5.5.6");
        await client.ExpectAsync("250 2.0.0");
    }

    [Fact]
    public async Task Connect_WhenSeveralConnectorsShareBinding_MostSpecificRangeWins()
    {
        await using var host = await ReceiveHost.StartAsync(
            ReceiveHost.Connector("Everyone", configure: c => c.Banner = "general"),
            ReceiveHost.Connector("Loopback", configure: c => { c.Banner = "loopback"; c.RemoteIpRanges = ["127.0.0.0/8"]; }),
            ReceiveHost.Connector("ThisHost", configure: c => { c.Banner = "this-host"; c.RemoteIpRanges = ["127.0.0.1", "10.0.0.0/8"]; }),
            ReceiveHost.Connector("Elsewhere", configure: c => { c.Banner = "elsewhere"; c.RemoteIpRanges = ["192.0.2.0/24"]; }));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220 mx.local.test this-host");
    }

    [Fact]
    public async Task Connect_WhenNoConnectorAdmitsTheClient_Refuses421()
    {
        await using var host = await ReceiveHost.StartAsync(
            ReceiveHost.Connector("Partners", configure: c => c.RemoteIpRanges = ["192.0.2.0/24", "10.0.0.1-10.0.0.9"]));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("421 4.3.2");
        Assert.Null(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Connect_WhenPerSourceLimitReached_Refuses421UntilASessionEnds()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", configure: c => c.MaxInboundConnectionsPerSource = 1));
        await using (var first = await RawSmtpClient.ConnectAsync(host.Port()))
        {
            await first.ExpectAsync("220");
            await using var second = await RawSmtpClient.ConnectAsync(host.Port());
            await second.ExpectAsync("421 4.7.0");
            await first.SendAsync("QUIT", "221");
            // The server releases the connection slot before it closes the socket.
            Assert.Null(await first.ReadReplyAsync());
        }
        await using var third = await RawSmtpClient.ConnectAsync(host.Port());
        await third.ExpectAsync("220");
    }

    [Fact]
    public async Task Connect_WhenEarlierSessionsAtThePerSourceLimitHaveClosed_GreetsAFullNewRoundWith220()
    {
        const int limit = 5;
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", configure: c => c.MaxInboundConnectionsPerSource = limit));
        for (var round = 0; round < 3; round++)
        {
            // A full round in parallel, as smtp-source -s N opens its sessions.
            var clients = await Task.WhenAll(Enumerable.Range(0, limit).Select(_ => RawSmtpClient.ConnectAsync(host.Port())));
            foreach (var client in clients)
                await client.ExpectAsync("220");
            await Task.WhenAll(clients.Select(async client =>
            {
                await client.SendAsync("QUIT", "221");
                // The server closes the socket only after it released the session's slot.
                Assert.Null(await client.ReadReplyAsync());
                await client.DisposeAsync();
            }));
        }
        // And one at a time, each after the previous one closed.
        for (var i = 0; i < limit + 1; i++)
        {
            await using var client = await RawSmtpClient.ConnectAsync(host.Port());
            await client.ExpectAsync("220");
            await client.SendAsync("QUIT", "221");
            Assert.Null(await client.ReadReplyAsync());
        }
    }

    [Fact]
    public async Task Connect_WhenTotalLimitReached_Refuses421()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", configure: c => c.MaxInboundConnections = 2));
        await using var first = await RawSmtpClient.ConnectAsync(host.Port());
        await first.ExpectAsync("220");
        await using var second = await RawSmtpClient.ConnectAsync(host.Port());
        await second.ExpectAsync("220");
        await using var third = await RawSmtpClient.ConnectAsync(host.Port());
        await third.ExpectAsync("421 4.7.0");
    }

    [Fact]
    public async Task Update_WhenConnectorChanges_NextConnectionSeesItAndOpenSessionKeepsItsPolicy()
    {
        var connector = ReceiveHost.Connector("Default", ConnectorTlsMode.None, c => c.Banner = "before");
        await using var host = await ReceiveHost.StartAsync(connector);
        var port = host.Port();
        await using var open = await RawSmtpClient.ConnectAsync(port);
        await open.ExpectAsync("220 mx.local.test before");

        connector.Banner = "after";
        connector.MaxMessageSizeBytes = 1234;
        await host.Host.UpdateAsync([connector], CancellationToken.None);

        Assert.Equal(port, host.Port()); // same binding: same listener
        await using var next = await RawSmtpClient.ConnectAsync(port);
        await next.ExpectAsync("220 mx.local.test after");
        Assert.Contains("SIZE 1234", await next.SendAsync("EHLO c.test", "250 "));
        Assert.Contains("SIZE 37748736", await open.SendAsync("EHLO c.test", "250 "));
    }

    [Fact]
    public async Task Update_WhenBindingRemoved_StopsListeningButOpenSessionFinishes()
    {
        var first = ReceiveHost.Connector("First", ConnectorTlsMode.None);
        var second = ReceiveHost.Connector("Second", ConnectorTlsMode.None, c => c.Bindings = [new("127.0.0.2", 0)]);
        await using var host = await ReceiveHost.StartAsync(first, second);
        var firstPort = host.Port(first.Bindings[0]);
        await using var open = await RawSmtpClient.ConnectAsync(firstPort);
        await open.ExpectAsync("220");

        await host.Host.UpdateAsync([second], CancellationToken.None);

        Assert.Single(host.Host.BoundEndPoints);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => RawSmtpClient.ConnectAsync(firstPort));
        await open.SendAsync("EHLO c.test", "250 ");
        await open.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await open.SendAsync("RCPT TO:<alice@local.test>", "250");
        await open.SendAsync("DATA", "354");
        await open.SendAsync("\r\nstill here\r\n.", "250 2.6.0");
    }

    [Fact]
    public async Task Update_WhenConnectorDisabled_UnbindsIt()
    {
        var connector = ReceiveHost.Connector("Default", ConnectorTlsMode.None);
        await using var host = await ReceiveHost.StartAsync(connector);
        connector.Enabled = false;
        await host.Host.UpdateAsync([connector], CancellationToken.None);
        Assert.Empty(host.Host.BoundEndPoints);
    }

    [Fact]
    public async Task Dispose_WhenSessionsOpen_Sends421AndWaitsForThem()
    {
        var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await host.DisposeAsync();
        await client.ExpectAsync("421 4.3.2");
        Assert.Equal(0, host.Host.ActiveSessions);
    }
}
