using System.Net;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Tracking;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Tests.Receive.Directory;

/// <summary>Protocol logs rotate hourly and are pruned by age and by size, oldest first, per kind; sessions get an outcome in a word.</summary>
public sealed class ProtocolLogRetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 13, 30, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _dir = System.IO.Directory.CreateTempSubdirectory("mailflow-retention-");

    private string Make(string prefix, DateTimeOffset hour, int bytes)
    {
        var path = Path.Combine(_dir.FullName, FileProtocolLog.FileNameFor(hour, prefix));
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    [Fact]
    public void Prune_DeletesFilesOlderThanTheMaximumAgeAndKeepsTheOtherKind()
    {
        var old = Make("RECV", Now.AddDays(-31), 100);
        var recent = Make("RECV", Now.AddDays(-2), 100);
        var oldSend = Make("SEND", Now.AddDays(-31), 100);
        var current = Make("RECV", Now, 100);

        var deleted = ProtocolLogRetention.Prune(_dir.FullName, "RECV", Path.GetFileName(current), TimeSpan.FromDays(30), long.MaxValue, Now);

        Assert.Equal(1, deleted);
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(oldSend)); // SEND is pruned by its own log
        Assert.True(File.Exists(current));
    }

    [Fact]
    public void Prune_WhenOverTheSizeLimit_DeletesTheOldestUntilItFitsButNeverTheCurrentFile()
    {
        var files = Enumerable.Range(0, 48).Select(h => Make("SEND", Now.AddHours(-47 + h), 1000)).ToList(); // two days of hourly files

        ProtocolLogRetention.Prune(_dir.FullName, "SEND", Path.GetFileName(files[^1]), TimeSpan.FromDays(30), maxBytes: 10_000, Now);

        Assert.Equal(files.TakeLast(10), files.Where(File.Exists));
    }

    [Fact]
    public async Task Write_WhenTheHourChanges_PrunesWhatTheSettingsNoLongerKeep()
    {
        var stale = Make("RECV", Now.AddDays(-3), 10);
        var log = new FileProtocolLog(Options.Create(new MailflowOptions { DataDirectory = _dir.Parent!.FullName }),
            () => new Mailflow.Configuration.LogRetentionSettings { ProtocolLogMaxAgeDays = 1 });
        Assert.Equal(Path.Combine(_dir.Parent!.FullName, "logs", "protocol"), log.Directory);
        System.IO.Directory.CreateDirectory(log.Directory);
        File.Move(stale, Path.Combine(log.Directory, Path.GetFileName(stale)));

        log.Write(new ProtocolLogEntry(Now, "Default Frontend", "s1", new IPEndPoint(IPAddress.Loopback, 25), null, ProtocolDirection.Event, "connected"));
        await log.DisposeAsync();

        Assert.Equal([FileProtocolLog.FileNameFor(Now)], System.IO.Directory.GetFiles(log.Directory).Select(Path.GetFileName));
        System.IO.Directory.Delete(log.Directory, recursive: true);
    }

    private static ProtocolLogLine Line(string evt, string data) => new(Now, "Default Frontend", "s1", "127.0.0.1:25", "203.0.113.9:40000", evt, data);

    [Fact]
    public void Outcome_OfReceiveSessions_NamesWhatHappened()
    {
        Assert.Equal("Relay denied", ProtocolLogOutcome.Of([Line("<", "RCPT TO:<x@elsewhere.example>"), Line(">", "550 5.7.54 Unable to relay recipient in non-accepted domain"), Line("*", "disconnected")], ProtocolLogOutcome.Direction.Receive));
        Assert.Equal("AUTH failed", ProtocolLogOutcome.Of([Line("<", "AUTH PLAIN ***"), Line(">", "535 5.7.8 Authentication credentials invalid")], ProtocolLogOutcome.Direction.Receive));
        Assert.Equal("Delivered", ProtocolLogOutcome.Of([Line(">", "250 2.6.0 <Q1> Queued mail for delivery"), Line("<", "QUIT"), Line(">", "221 2.0.0 Bye")], ProtocolLogOutcome.Direction.Receive));
        Assert.Equal("Closed", ProtocolLogOutcome.Of([Line("<", "EHLO a"), Line(">", "250 mx"), Line("<", "QUIT")], ProtocolLogOutcome.Direction.Receive));
        Assert.Equal("Disconnected", ProtocolLogOutcome.Of([Line("<", "EHLO a"), Line(">", "250 mx"), Line("*", "disconnected")], ProtocolLogOutcome.Direction.Receive));
    }

    [Fact]
    public void Outcome_OfSendSessions_ReadsTheServersReplies()
    {
        Assert.Equal("Partly refused", ProtocolLogOutcome.Of(
            [Line(">", "RCPT TO:<gone@x>"), Line("<", "550 5.1.1 no such user"), Line(">", "*** message data: 900 bytes ***"), Line("<", "250 2.0.0 OK")], ProtocolLogOutcome.Direction.Send));
        Assert.Equal("Refused (451 4.7.1 greylisted)", ProtocolLogOutcome.Of([Line(">", "MAIL FROM:<a@b>"), Line("<", "451 4.7.1 greylisted")], ProtocolLogOutcome.Direction.Send));
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
