using System.Net;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Tests.Receive.Directory;

public sealed class FileProtocolLogTests
{
    private static ProtocolLogEntry Entry(ProtocolDirection direction, string text, int minute = 0) => new(
        new DateTimeOffset(2026, 11, 24, 13, minute, 5, 123, TimeSpan.Zero),
        "Default Frontend",
        "6744a1f0-1",
        new IPEndPoint(IPAddress.Loopback, 2525),
        new IPEndPoint(IPAddress.Parse("192.0.2.9"), 40000),
        direction,
        text);

    [Fact]
    public void Format_WritesExchangeStyleCsv_AndQuotesFieldsWithCommas()
    {
        Assert.Equal("2026-11-24T13:00:05.123Z,Default Frontend,6744a1f0-1,127.0.0.1:2525,192.0.2.9:40000,<,EHLO client.example",
            FileProtocolLog.Format(Entry(ProtocolDirection.Received, "EHLO client.example")));
        Assert.EndsWith(",>,\"250 2.1.0 Sender <a@b>, OK\"", FileProtocolLog.Format(Entry(ProtocolDirection.Sent, "250 2.1.0 Sender <a@b>, OK")));
        Assert.EndsWith(",*,\"said \"\"hi\"\"\"", FileProtocolLog.Format(Entry(ProtocolDirection.Event, "said \"hi\"")));
    }

    [Fact]
    public async Task Write_AppendsToHourlyFilesWithFieldsHeader()
    {
        var data = System.IO.Directory.CreateTempSubdirectory("mailflow-protolog-");
        try
        {
            var log = new FileProtocolLog(Options.Create(new MailflowOptions { DataDirectory = data.FullName }));
            log.Write(Entry(ProtocolDirection.Received, "EHLO a"));
            log.Write(Entry(ProtocolDirection.Sent, "250 OK"));
            await log.DisposeAsync();

            var file = Path.Combine(log.Directory, "RECV2026112413.log");
            var lines = await File.ReadAllLinesAsync(file);
            Assert.Equal(FileProtocolLog.Fields, lines[0]);
            Assert.Equal(3, lines.Length);
            Assert.EndsWith(",<,EHLO a", lines[1]);
            Assert.EndsWith(",>,250 OK", lines[2]);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}
