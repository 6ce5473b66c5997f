using System.Net;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Tracking;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Tests.Receive;

/// <summary>The protocol log pages read back what <see cref="FileProtocolLog"/> wrote, from real files in a temp data directory.</summary>
public sealed class FileProtocolLogReaderTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 11, 59, 58, TimeSpan.Zero);
    private readonly DirectoryInfo _data = System.IO.Directory.CreateTempSubdirectory("mailflow-protocol-log-");

    private async Task<FileProtocolLog> WriteAsync(params ProtocolLogEntry[] entries)
    {
        var log = new FileProtocolLog(Options.Create(new MailflowOptions { DataDirectory = _data.FullName }));
        foreach (var entry in entries)
            log.Write(entry);
        await log.DisposeAsync(); // flushes everything to disk
        return log;
    }

    private static ProtocolLogEntry Line(int seconds, string session, string client, string connector, ProtocolDirection direction, string text) =>
        new(T0.AddSeconds(seconds), connector, session, IPEndPoint.Parse("127.0.0.1:25"), IPEndPoint.Parse(client), direction, text);

    [Fact]
    public async Task Sessions_WhenFilteredByClientAndConnector_AreFoundAcrossTheHourBoundaryWithWholeTranscripts()
    {
        // S1 starts at 11:59:58 and ends at 12:00:01, so its lines sit in two hourly files.
        var log = await WriteAsync(
            Line(0, "S1", "192.0.2.7:50000", "Default Frontend", ProtocolDirection.Sent, "220 mx.contoso.test ESMTP"),
            Line(1, "S2", "198.51.100.9:40000", "Client Frontend", ProtocolDirection.Sent, "220 mx.contoso.test ESMTP"),
            Line(2, "S1", "192.0.2.7:50000", "Default Frontend", ProtocolDirection.Received, "MAIL FROM:<\"a,b\"@contoso.test>"),
            Line(3, "S1", "192.0.2.7:50000", "Default Frontend", ProtocolDirection.Sent, "250 2.1.0 Sender OK"));
        var reader = new FileProtocolLogReader(log);
        var window = new ProtocolLogSearch { From = T0.AddMinutes(-5), To = T0.AddMinutes(5) };

        var all = await reader.FindSessionsAsync(window);
        var byClient = await reader.FindSessionsAsync(window with { ClientAddress = "192.0.2.7" });
        var byConnector = await reader.FindSessionsAsync(window with { Connector = "client" });
        var outside = await reader.FindSessionsAsync(new ProtocolLogSearch { From = T0.AddHours(2), To = T0.AddHours(3) });

        Assert.Equal(2, all.Count);
        var s1 = Assert.Single(byClient);
        Assert.Equal(("S1", T0, T0.AddSeconds(3), 3), (s1.SessionId, s1.Start, s1.End, s1.LineCount));
        Assert.Equal("S2", Assert.Single(byConnector).SessionId);
        Assert.Empty(outside);

        var transcript = await reader.ReadSessionAsync("S1", s1.Start);
        Assert.Equal(["220 mx.contoso.test ESMTP", "MAIL FROM:<\"a,b\"@contoso.test>", "250 2.1.0 Sender OK"], transcript.Select(l => l.Data));
        Assert.Equal([">", "<", ">"], transcript.Select(l => l.Event));
    }

    public void Dispose() => _data.Delete(recursive: true);
}
