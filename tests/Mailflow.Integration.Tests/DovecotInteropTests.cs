using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Mailflow and a real Dovecot (<see cref="DovecotServer"/>) side by side on loopback, as a mail server
/// behind Mailflow runs in production. One message submitted over SMTP to four mailboxes: two Dovecot
/// accounts over LMTP (one with room, one over its quota), an LMTP mailbox Dovecot does not know, and a
/// Maildir mailbox Mailflow writes itself into the folder Dovecot serves. Read back through Dovecot's IMAP
/// with MailKit: the two deliveries arrive intact, and Dovecot's per-recipient LMTP replies come back to the
/// sender — itself a Dovecot account — as one NDR whose RFC 3464 fields carry 5.1.1 and 5.2.2 as Dovecot said.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DovecotInteropTests(PostgresFixture postgres) : IDisposable
{
    private const string Domain = MailflowHost.DefaultDomain;
    private static readonly string Sender = $"bob@{Domain}";
    private static readonly string Roomy = $"alice@{Domain}";
    private static readonly string Full = $"frank@{Domain}";
    private static readonly string Unknown = $"ghost@{Domain}";
    private static readonly string MaildirUser = $"carol@{Domain}";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly TestStores _stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task LmtpAndMaildir_IntoDovecot_ReadableOverImap_UnknownUserAndQuotaBecomeTheRightNdr(DatabaseProvider provider)
    {
        await using var dovecot = await DovecotServer.StartAsync(
        [
            new DovecotUser(Sender, "bob-imap-pass"),
            new DovecotUser(Roomy, "alice-imap-pass"),
            new DovecotUser(Full, "frank-imap-pass", QuotaBytes: 8 * 1024),
            new DovecotUser(MaildirUser, "carol-imap-pass"),
        ]);
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            // Mailflow's Maildir deliveries land in the folders Dovecot serves.
            ["Mailflow:MailRoot"] = dovecot.MailRoot,
        });
        var lmtp = $"127.0.0.1:{dovecot.LmtpPort}";
        var recipients = host.Get<RecipientService>();
        var bob = await recipients.CreateAsync(AdminActor.System, LmtpMailbox(Sender, lmtp));
        await recipients.SetSubmissionPasswordAsync(AdminActor.System, bob.Id, bob.Revision, "bobs-submission-pass");
        await recipients.CreateAsync(AdminActor.System, LmtpMailbox(Roomy, lmtp));
        await recipients.CreateAsync(AdminActor.System, LmtpMailbox(Full, lmtp));
        await recipients.CreateAsync(AdminActor.System, LmtpMailbox(Unknown, lmtp));
        await recipients.CreateAsync(AdminActor.System, new Recipient
        {
            Kind = RecipientKind.Mailbox, PrimaryAddress = MaildirUser, DeliveryKind = MailboxDeliveryKind.Maildir, DeliveryTarget = dovecot.MaildirOf(MaildirUser),
        });
        await host.WaitForLatestGenerationAsync();

        // 8-bit UTF-8 text and ~20 KiB: more than frank's 8 KiB quota, nothing for the others.
        var body = "Grüße aus Mailflow — " + string.Concat(Enumerable.Repeat("a line that fills the mailbox quota of a small Dovecot account\n", 320));
        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse(Sender) },
            To = { MailboxAddress.Parse(Roomy), MailboxAddress.Parse(Full), MailboxAddress.Parse(Unknown), MailboxAddress.Parse(MaildirUser) },
            Subject = "Dovecot interop",
            Body = new TextPart("plain") { Text = body },
        };
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.test");
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync(Sender, "bobs-submission-pass");
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        // Through LMTP into Dovecot: alice reads it over IMAP, 8-bit text intact.
        var atAlice = Assert.Single(await WaitForInboxAsync(dovecot, Roomy, "alice-imap-pass", m => m.MessageId == message.MessageId));
        Assert.Equal("Dovecot interop", atAlice.Subject);
        Assert.Equal(body.TrimEnd(), (atAlice.TextBody ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd());
        Assert.Contains(atAlice.Headers, h => h.Field == "Received" && h.Value.Contains("mx.contoso.test", StringComparison.Ordinal));

        // Mailflow's own Maildir delivery, served by Dovecot (which adds its index files to the folder).
        Assert.True(Directory.EnumerateFiles(Path.Combine(dovecot.MaildirOf(MaildirUser), "new")).Any(), "Mailflow wrote no file into carol's Maildir");
        await dovecot.AdoptMailflowFilesAsync();
        var atCarol = Assert.Single(await WaitForInboxAsync(dovecot, MaildirUser, "carol-imap-pass", m => m.MessageId == message.MessageId));
        Assert.Equal(body.TrimEnd(), (atCarol.TextBody ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd());
        Assert.Equal(MaildirUser, atCarol.Headers["Delivered-To"]);
        Assert.Equal($"<{Sender}>", atCarol.Headers["Return-Path"]);

        // Dovecot's replies (550 5.1.1 at RCPT for ghost, 552 5.2.2 after DATA for frank) come back to bob,
        // over LMTP into his Dovecot INBOX, as Mailflow's NDR.
        var statuses = new Dictionary<string, HeaderList>(StringComparer.OrdinalIgnoreCase);
        var ndrs = await WaitForInboxAsync(dovecot, Sender, "bob-imap-pass", m => m.Body is MultipartReport, atLeast: 1,
            done: found => RecipientGroups(found).Select(g => FinalRecipient(g)).ToHashSet(StringComparer.OrdinalIgnoreCase).IsSupersetOf([Unknown, Full]));
        foreach (var group in RecipientGroups(ndrs))
            statuses[FinalRecipient(group)] = group;
        var ndr = ndrs[0];
        Assert.Equal("delivery-status", Assert.IsType<MultipartReport>(ndr.Body).ReportType);
        Assert.Equal("<>", ndr.Headers["Return-Path"]);

        var unknown = statuses[Unknown];
        Assert.Equal("failed", unknown["Action"]);
        Assert.Equal("5.1.1", unknown["Status"]);
        Assert.Equal($"smtp; 550 5.1.1 <{Unknown}> User doesn't exist: {Unknown}", unknown["Diagnostic-Code"]);

        var full = statuses[Full];
        Assert.Equal("failed", full["Action"]);
        Assert.Equal("5.2.2", full["Status"]);
        Assert.Contains("552 5.2.2", full["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains("Quota exceeded", full["Diagnostic-Code"], StringComparison.Ordinal);

        // Neither delivered nor the NDR reached the accounts that refused.
        Assert.DoesNotContain(statuses.Keys, r => r.Equals(Roomy, StringComparison.OrdinalIgnoreCase) || r.Equals(MaildirUser, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await ReadInboxAsync(dovecot, Full, "frank-imap-pass"));
    }

    private static Recipient LmtpMailbox(string address, string lmtp) => new()
    {
        Kind = RecipientKind.Mailbox, PrimaryAddress = address, DeliveryKind = MailboxDeliveryKind.Lmtp, DeliveryTarget = lmtp,
    };

    private static IEnumerable<HeaderList> RecipientGroups(IEnumerable<MimeMessage> reports) =>
        reports.SelectMany(r => r.Body is MultipartReport report ? report.OfType<MessageDeliveryStatus>() : []).SelectMany(s => s.StatusGroups.Skip(1));

    /// <summary>"rfc822; ghost@contoso.test" → the address.</summary>
    private static string FinalRecipient(HeaderList group) => (group["Final-Recipient"] ?? "").Split(';', 2)[^1].Trim();

    /// <summary>Polls the account's INBOX over IMAP until <paramref name="done"/> holds for the messages that match, within a bound.</summary>
    private static async Task<IReadOnlyList<MimeMessage>> WaitForInboxAsync(
        DovecotServer dovecot, string user, string password, Func<MimeMessage, bool> match, int atLeast = 1, Func<IReadOnlyList<MimeMessage>, bool>? done = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        IReadOnlyList<MimeMessage> found = [];
        string? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                found = (await ReadInboxAsync(dovecot, user, password)).Where(match).ToList();
            }
            catch (AuthenticationException exception) when (exception.Message.StartsWith("Temporary", StringComparison.Ordinal))
            {
                // Dovecot's auth process still starting or restarting a worker; its log says which (kept for the failure below).
                lastError = exception.Message;
            }
            if (found.Count >= atLeast && (done?.Invoke(found) ?? true))
                return found;
            await Task.Delay(200);
        }
        var log = File.Exists(dovecot.LogPath) ? await File.ReadAllTextAsync(dovecot.LogPath) : "(no log)";
        throw new TimeoutException($"{user}'s INBOX did not get the expected message(s) within {Patience.TotalSeconds:0} s ({found.Count} found{(lastError is null ? "" : ", last error: " + lastError)}). Dovecot's log:\n{log}");
    }

    private static async Task<IReadOnlyList<MimeMessage>> ReadInboxAsync(DovecotServer dovecot, string user, string password)
    {
        using var imap = new ImapClient { Timeout = 15_000 };
        await imap.ConnectAsync("127.0.0.1", dovecot.ImapPort, SecureSocketOptions.None);
        await imap.AuthenticateAsync(user, password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var messages = new List<MimeMessage>();
        for (var i = 0; i < imap.Inbox.Count; i++)
            messages.Add(await imap.Inbox.GetMessageAsync(i));
        await imap.DisconnectAsync(true);
        return messages;
    }

    public void Dispose() => _stores.Dispose();
}
