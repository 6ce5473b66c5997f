using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Pickup;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The pickup directory on both stores, one host per store: files dropped into <c>&lt;data&gt;/pickup</c>
/// reach the loopback remote as authenticated submissions (envelope from the headers, Bcc stripped,
/// X-Sender/X-Receiver honoured), traced with connector "Pickup"; an oversize and an unreadable file go
/// to badmail with a .reason; a file a previous process claimed and stored is deleted, not sent twice,
/// and one it claimed but never stored is sent; beyond the rate a file waits.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PickupDirectoryTests(PostgresFixture postgres) : IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Domain = MailflowHost.DefaultDomain;
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task DroppedFilesAreSubmitted_BadOnesGoToBadmail_AndARestartNeverLosesOrRepeatsOne(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host", AddressSpaces = [new AddressSpace("*")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        var settings = host.Get<OrganizationSettingsService>();
        var current = await settings.GetAsync();
        current.PickupEnabled = true;
        current.PickupMaxMessageSizeBytes = 4096;
        current.PickupMaxFilesPerMinute = 2;
        current = await settings.UpdateAsync(Admin, current);
        await host.WaitForLatestGenerationAsync();
        var pickup = Path.Combine(host.DataDirectory, "pickup");
        Directory.CreateDirectory(pickup);

        // 0. The rate: two files a minute; the third waits until the rate is raised.
        foreach (var n in new[] { 1, 2, 3 })
            await DropAsync(pickup, $"rate{n}.eml", $"From: reports@{Domain}\r\nTo: rate@fabrikam.test\r\nSubject: Rate {n}\r\n\r\nHi\r\n");
        await WaitUntilAsync(() => remote.Messages.Count(m => m.Text.Contains("Subject: Rate")) == 2);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(2, remote.Messages.Count(m => m.Text.Contains("Subject: Rate")));
        Assert.Single(Directory.GetFiles(pickup, "rate*.eml"));
        current.PickupMaxFilesPerMinute = 100;
        await settings.UpdateAsync(Admin, current);
        await WaitUntilAsync(() => remote.Messages.Count(m => m.Text.Contains("Subject: Rate")) == 3);

        // 1. From/To/Cc/Bcc: all three recipients get it, none sees the Bcc; written with bare LF as on Unix.
        await DropAsync(pickup, "report.eml",
            $"From: Reports <reports@{Domain}>\nTo: carol@fabrikam.test\nCc: dave@fabrikam.test\nBcc: secret@northwind.test\nSubject: Nightly report\n\nAll green.\n");
        var report = await WaitForAsync(remote, m => m.Text.Contains("Subject: Nightly report"));
        Assert.Equal($"reports@{Domain}", report.Sender);
        Assert.Equal(["carol@fabrikam.test", "dave@fabrikam.test", "secret@northwind.test"], report.Recipients.Order());
        Assert.DoesNotContain("Bcc:", report.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret@", report.Text.Split("\r\n\r\n")[0]);
        Assert.Contains("\r\nAll green.\r\n", report.Text);
        var received = await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Receive && e.Sender == $"reports@{Domain}");
        Assert.Equal("Pickup", received.Connector);
        Assert.Contains("authenticated as pickup directory", received.Detail);
        await WaitUntilAsync(() => !File.Exists(Path.Combine(pickup, "report.eml")) && !File.Exists(Path.Combine(pickup, "report.eml.pickup")));

        // 2. X-Sender and X-Receiver make the envelope (and are not stored); the To header is only a header.
        await DropAsync(pickup, "envelope.eml",
            $"X-Sender: bounces@{Domain}\r\nX-Receiver: <erin@fabrikam.test>\r\nFrom: news@{Domain}\r\nTo: everyone@fabrikam.test\r\nSubject: Envelope headers\r\n\r\nHi\r\n");
        var enveloped = await WaitForAsync(remote, m => m.Text.Contains("Subject: Envelope headers"));
        Assert.Equal($"bounces@{Domain}", enveloped.Sender);
        Assert.Equal(["erin@fabrikam.test"], enveloped.Recipients);
        Assert.DoesNotContain("X-Receiver", enveloped.Text);
        Assert.DoesNotContain("X-Sender", enveloped.Text);

        // 3. Oversize and unreadable files go to badmail with their reason, and are traced.
        await DropAsync(pickup, "huge.eml", $"From: a@{Domain}\r\nTo: b@fabrikam.test\r\nSubject: Huge\r\n\r\n{new string('x', 5000)}\r\n");
        await DropAsync(pickup, "junk.eml", "this is not a message at all, just a line of text\r\n");
        await DropAsync(pickup, "nobody.eml", $"From: a@{Domain}\r\nSubject: No recipients\r\n\r\nHi\r\n");
        var badmail = Path.Combine(pickup, PickupDirectoryWatcher.BadmailFolder);
        await WaitUntilAsync(() => File.Exists(Path.Combine(badmail, "huge.eml")) && File.Exists(Path.Combine(badmail, "junk.eml")) && File.Exists(Path.Combine(badmail, "nobody.eml")));
        Assert.Contains("the pickup directory takes at most 4,096 bytes", await File.ReadAllTextAsync(Path.Combine(badmail, "huge.eml.reason")));
        Assert.Matches("not an RFC 5322 message|does not look like a message", await File.ReadAllTextAsync(Path.Combine(badmail, "junk.eml.reason")));
        Assert.Contains("names no recipient", await File.ReadAllTextAsync(Path.Combine(badmail, "nobody.eml.reason")));
        var refused = await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == null && e.Detail!.StartsWith("Pickup file junk.eml"));
        Assert.Equal(("Pickup", 554), (refused.Connector, refused.ReplyCode!.Value));

        // 4. The crash window. A file claimed and stored by a previous process (its tag is in the store) is deleted, not sent again...
        var sentOnce = $"From: reports@{Domain}\r\nTo: frank@fabrikam.test\r\nSubject: Exactly once\r\n\r\nOnce\r\n";
        await DropAsync(pickup, "once.eml", sentOnce);
        await WaitForAsync(remote, m => m.Text.Contains("Subject: Exactly once"));
        await using (var db = TestStores.OpenContext(host.Get<StoreSettings>()))
            Assert.Contains(await db.QueuedMessages.Select(m => m.AgentTags).ToListAsync(), t => t != null && t.Contains(PickupDirectoryWatcher.TokenFor("once.eml", Encoding.UTF8.GetBytes(sentOnce))));
        // ... so the same file left claimed (the process died between the commit and the delete) is only deleted;
        await LeaveClaimedAsync(pickup, "once.eml", sentOnce);
        // and a file left claimed that never reached the store (it died before the commit) is sent.
        await LeaveClaimedAsync(pickup, "lost.eml", $"From: reports@{Domain}\r\nTo: gina@fabrikam.test\r\nSubject: Not lost\r\n\r\nSaved\r\n");
        await WaitForAsync(remote, m => m.Text.Contains("Subject: Not lost"));
        await WaitUntilAsync(() => !File.Exists(Path.Combine(pickup, "once.eml.pickup")) && !File.Exists(Path.Combine(pickup, "lost.eml.pickup")));
        Assert.Single(remote.Messages, m => m.Text.Contains("Subject: Exactly once"));
    }

    private static async Task DropAsync(string pickup, string name, string text)
    {
        // As writers are asked to: write under another name, then rename to .eml.
        var temporary = Path.Combine(pickup, name + ".tmp");
        await File.WriteAllTextAsync(temporary, text);
        File.Move(temporary, Path.Combine(pickup, name));
    }

    /// <summary>A file as a process that died after claiming it leaves it (written whole before it appears under its claimed name).</summary>
    private static async Task LeaveClaimedAsync(string pickup, string name, string text)
    {
        var temporary = Path.Combine(pickup, name + ".tmp");
        await File.WriteAllTextAsync(temporary, text);
        File.Move(temporary, Path.Combine(pickup, name + PickupDirectoryWatcher.ClaimedExtension));
    }

    private static async Task<ReceivedSmtpMessage> WaitForAsync(LoopbackSmtpServer remote, Func<ReceivedSmtpMessage, bool> wanted)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (remote.Messages.FirstOrDefault(wanted) is { } found)
                return found;
            await Task.Delay(100);
        }
        throw new TimeoutException("the loopback remote did not receive the message in time");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the pickup directory did not reach the expected state in time");
            await Task.Delay(100);
        }
    }

    private static async Task<MessageTrackingEvent> WaitForTraceAsync(MailflowHost host, Func<MessageTrackingEvent, bool> wanted)
    {
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var events = await db.MessageTrackingEvents.AsNoTracking().ToListAsync();
            if (events.FirstOrDefault(wanted) is { } found)
                return found;
            await Task.Delay(100);
        }
        throw new TimeoutException("the trace event was not written in time");
    }

    public void Dispose() => stores.Dispose();
}
