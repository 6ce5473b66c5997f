using System.Diagnostics;
using System.Text;
using Mailflow.Configuration;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>
/// Slow clients on a real loopback socket: a client trickling one byte every 100 ms keeps resetting
/// any idle timer, so the command deadline and the minimum data rate must cut it, each with its own text.
/// </summary>
public class SlowClientWireTests
{
    private static readonly TimeSpan Trickle = TimeSpan.FromMilliseconds(100);

    private static ReceiveConnector Connector(Action<ReceiveConnector> configure) =>
        ReceiveHost.Connector("Default", ConnectorTlsMode.None, configure);

    /// <summary>Writes <paramref name="text"/> one byte at a time until done, cancelled or the server hangs up.</summary>
    private static Task TrickleAsync(RawSmtpClient client, string text, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            foreach (var b in Encoding.ASCII.GetBytes(text))
            {
                await client.Stream.WriteAsync(new[] { b }, cancellationToken);
                await client.Stream.FlushAsync(cancellationToken);
                await Task.Delay(Trickle, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The server closed the connection, as it should.
        }
    }, CancellationToken.None);

    [Fact]
    public async Task CommandLine_WhenTrickledPastTheDeadline_IsCutWithItsOwnText()
    {
        await using var host = await ReceiveHost.StartAsync(Connector(c => c.CommandTimeoutSeconds = 1));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO c.test", "250 ");
        using var stop = new CancellationTokenSource();

        // 40 octets at 10 per second would take 4 s; the deadline is 1 s from the first octet.
        var clock = Stopwatch.StartNew();
        var trickling = TrickleAsync(client, "MAIL FROM:<slow.sender@remote.example>\r\n", stop.Token);
        var reply = await client.ReadReplyAsync();
        clock.Stop();
        await stop.CancelAsync();
        await trickling;

        Assert.Equal("421 4.4.2 mx.local.test Command line not received in time, closing\r\n", reply);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3.5));
        Assert.Null(await client.ReadReplyAsync()); // closed
        Assert.Contains(host.ProtocolLog.Entries, e => e.Text == "closing slow client: command line not complete within 1 s");
        Assert.DoesNotContain(host.ProtocolLog.Entries, e => e.Text.Contains("Idle timeout", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DATA")]
    [InlineData("BDAT")]
    public async Task Content_WhenBelowTheMinimumRateAfterTheGrace_IsCutWithItsOwnText(string verb)
    {
        await using var host = await ReceiveHost.StartAsync(Connector(c =>
        {
            c.MinDataRateBytesPerSecond = 500;
            c.DataRateGraceSeconds = 1;
        }));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO c.test", "250 ");
        await client.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await client.SendAsync("RCPT TO:<alice@local.test>", "250");
        var content = "Subject: slow\r\n\r\n" + new string('x', 60) + "\r\n";
        if (verb == "DATA")
            await client.SendAsync("DATA", "354");
        else
            await client.SendRawAsync($"BDAT {content.Length} LAST\r\n");
        using var stop = new CancellationTokenSource();

        var clock = Stopwatch.StartNew();
        var trickling = TrickleAsync(client, content + (verb == "DATA" ? ".\r\n" : ""), stop.Token);
        var reply = await client.ReadReplyAsync();
        clock.Stop();
        await stop.CancelAsync();
        await trickling;

        Assert.Equal("421 4.4.2 mx.local.test Data arrived too slowly, closing\r\n", reply);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Empty(host.Sink.Committed);
        Assert.Contains(host.ProtocolLog.Entries, e => e.Text.StartsWith("closing slow client: ", StringComparison.Ordinal)
                                                       && e.Text.EndsWith("below 500 octets/s after 1 s grace", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FastClient_WithShortDeadlines_IsNotCutAndMayPauseBetweenCommands()
    {
        await using var host = await ReceiveHost.StartAsync(Connector(c =>
        {
            c.CommandTimeoutSeconds = 1;
            c.MinDataRateBytesPerSecond = 500;
            c.DataRateGraceSeconds = 1;
        }));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO c.test", "250 ");
        await client.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await client.SendAsync("RCPT TO:<alice@local.test>", "250");
        await client.SendAsync("DATA", "354");
        await client.SendRawAsync("Subject: fast\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('y', 76) + "\r\n", 2000)) + ".\r\n");
        await client.ExpectAsync("250 2.6.0");

        // Waiting between commands is idleness (5 minutes here), not a late command line.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await client.SendAsync("NOOP", "250 2.0.0");
        await client.SendAsync("QUIT", "221");
        Assert.Single(host.Sink.Committed);
        Assert.DoesNotContain(host.ProtocolLog.Entries, e => e.Text.StartsWith("closing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Idle_WhenNothingArrives_KeepsTheIdleTimeoutText()
    {
        await using var host = await ReceiveHost.StartAsync(Connector(c =>
        {
            c.IdleTimeoutSeconds = 1;
            c.CommandTimeoutSeconds = 30;
        }));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO c.test", "250 ");

        Assert.Equal("421 4.4.2 Idle timeout, closing connection\r\n", await client.ReadReplyAsync());
        Assert.Contains(host.ProtocolLog.Entries, e => e.Text == "closing: idle for 1 s");
    }
}
