using System.IO.Compression;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The fuller rule catalog on the real pipeline: messages in over SMTP (sender authentication on,
/// DNS from a loopback zone), rules with the new conditions and exceptions, and what comes out in the
/// mailboxes — blind copies, Cc recipients, importance and classification headers, notices instead
/// of the message, incident reports with the original attached — and in the trace.
/// </summary>
public sealed class RuleCatalogWireTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores stores = new(postgres);
    private readonly LoopbackDnsServer dns = new();
    private readonly LoopbackSmtpServer remote = LoopbackSmtpServer.Start();

    public async ValueTask DisposeAsync()
    {
        await remote.DisposeAsync();
        await dns.DisposeAsync();
        stores.Dispose();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task NewConditionsAndActions_ShapeWhatIsDelivered_When_MailArrivesOverSmtp(DatabaseProvider provider)
    {
        dns.Txt("fabrikam.test", "v=spf1 ip4:127.0.0.1 -all");
        await using var host = await SenderAuthenticationHost.StartAsync(stores, provider, dns, remote, "bob@contoso.test");
        foreach (var address in new[] { "carol@contoso.test", "audit@contoso.test", "compliance@contoso.test" })
            await host.Get<RecipientService>().CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = address });
        var rules = host.Get<TransportRuleService>();
        await rules.CreateAsync(Admin, Rule("Protected archives from partners",
            [P("AttachmentIsPasswordProtected"), P("SenderAddressMatchesPatterns", @"^alice@fabrikam\.test$"), P("SpfResultIs", "pass"), P("DmarcResultIs", "none")],
            [A("BccTo", ("Addresses", "audit@contoso.test")), A("GenerateIncidentReport", ("Addresses", "compliance@contoso.test")),
             A("SetClassification", ("Value", "Restricted")), A("SetImportance", ("Value", "High"))],
            exceptions: [P("RecipientAddressMatchesPatterns", "^nobody@"), P("DkimResultIs", "pass")]));
        await rules.CreateAsync(Admin, Rule("Withhold Cyrillic mail to Carol",
            [P("CharsetIs", "KOI8-R"), P("RecipientAddressContainsWords", "carol")],
            [A("NotifyRecipient", ("Text", "A message to you was withheld by policy."), ("Delivery", "InsteadOfMessage"))]));
        await rules.CreateAsync(Admin, Rule("Copy low-importance auto replies",
            [P("MessageTypeIs", "AutoReply"), P("ImportanceIs", "Low"), P("HasNoAttachment"), P("SentToOrCcContains", "bob@contoso.test")],
            [A("AddRecipients", ("Addresses", "audit@contoso.test"), ("Field", "Cc")), A("StopProcessing")],
            exceptions: [P("AttachmentContainsWords", "payroll")]));
        await host.WaitForLatestGenerationAsync();

        var locked = new MimeMessage { Subject = "Quarterly numbers", Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "The archive password follows by phone." },
            new MimePart("application", "zip") { FileName = "numbers.zip", Content = new MimeContent(new MemoryStream(EncryptedZip())) },
        } };
        locked.From.Add(MailboxAddress.Parse("alice@fabrikam.test"));
        locked.To.Add(MailboxAddress.Parse("bob@contoso.test"));
        await SenderAuthenticationHost.SendAsync(host, locked);

        var cyrillic = new MimeMessage { Subject = "Privet" };
        cyrillic.From.Add(MailboxAddress.Parse("ivan@fabrikam.test"));
        cyrillic.To.Add(MailboxAddress.Parse("carol@contoso.test"));
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance); // KOI8-R, as a Russian mail program would send it
        var koi8 = new TextPart("plain");
        koi8.SetText("koi8-r", "Привет, Кэрол");
        cyrillic.Body = koi8;
        await SenderAuthenticationHost.SendAsync(host, cyrillic);

        var autoReply = new MimeMessage { Subject = "Out of office", Importance = MessageImportance.Low, Body = new TextPart("plain") { Text = "I am away." } };
        autoReply.From.Add(MailboxAddress.Parse("dave@fabrikam.test"));
        autoReply.To.Add(MailboxAddress.Parse("bob@contoso.test"));
        autoReply.Headers.Add("Auto-Submitted", "auto-replied");
        await SenderAuthenticationHost.SendAsync(host, autoReply);

        var bobs = await MaildirAsync(host, "bob@contoso.test", 2);
        var original = bobs.Single(m => m.Subject == "Quarterly numbers");
        Assert.Equal("Restricted", original.Headers[RuleCatalog.ClassificationHeader]);
        Assert.Equal(MessageImportance.High, original.Importance);
        Assert.DoesNotContain(original.To.Mailboxes.Concat(original.Cc.Mailboxes), m => m.Address == "audit@contoso.test");
        var copied = bobs.Single(m => m.Subject == "Out of office");
        Assert.Contains(copied.Cc.Mailboxes, m => m.Address == "audit@contoso.test");

        var audits = await MaildirAsync(host, "audit@contoso.test", 2);
        Assert.Contains(audits, m => m.Subject == "Quarterly numbers");
        Assert.Contains(audits, m => m.Subject == "Out of office");

        var report = Assert.Single(await MaildirAsync(host, "compliance@contoso.test", 1));
        Assert.Equal("Incident report: Quarterly numbers", report.Subject);
        Assert.Equal("auto-generated", report.Headers["Auto-Submitted"]);
        var reportText = report.BodyParts.OfType<TextPart>().First().Text;
        Assert.Contains("Rule: Protected archives from partners", reportText);
        Assert.Contains("numbers.zip", reportText);
        var attached = Assert.Single(report.BodyParts.OfType<MessagePart>()).Message!;
        Assert.Equal("Quarterly numbers", attached.Subject);
        Assert.Null(attached.Headers[RuleCatalog.ClassificationHeader]);

        var notice = Assert.Single(await MaildirAsync(host, "carol@contoso.test", 1));
        Assert.StartsWith("Notice about your message: Privet", notice.Subject);
        Assert.Contains("withheld by policy", notice.TextBody);
        Assert.Equal($"postmaster@{MailflowHost.DefaultDomain}", notice.From.Mailboxes.Single().Address);

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var details = await db.MessageTrackingEvents.AsNoTracking().Select(e => e.Detail).Where(d => d != null).ToListAsync();
        Assert.Contains(details, d => d!.Contains("sent an incident report to compliance@contoso.test", StringComparison.Ordinal));
        Assert.Contains(details, d => d!.Contains("notified the recipient instead of delivering the message", StringComparison.Ordinal));
        var hits = await db.TransportRules.AsNoTracking().OrderBy(r => r.Priority).Select(r => r.EnforceHits).ToListAsync();
        Assert.Equal([1L, 1L, 1L], hits);
    }

    private static async Task<List<MimeMessage>> MaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder).Length >= count)
            {
                await Task.Delay(300); // anything beyond the expected count would show up now
                return [.. Directory.GetFiles(folder).Select(f => MimeMessage.Load(f))];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{count} message(s) did not arrive in {folder}");
    }

    private static TransportRule Rule(string name, List<RulePredicate> conditions, List<RuleAction> actions, List<RulePredicate>? exceptions = null) =>
        new() { Name = name, Definition = new RuleDefinition { Conditions = conditions, Exceptions = exceptions ?? [], Actions = actions } };

    private static RulePredicate P(string kind, params string[] values) => new() { Kind = kind, Values = [.. values] };

    private static RuleAction A(string kind, params (string Name, string Value)[] arguments) =>
        new() { Kind = kind, Arguments = arguments.ToDictionary(a => a.Name, a => a.Value) };

    /// <summary>A ZIP whose entry carries the "encrypted" flag, as a password-protected archive does.</summary>
    private static byte[] EncryptedZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        using (var writer = new StreamWriter(zip.CreateEntry("numbers.csv").Open()))
            writer.Write("q1,q2\r\n1,2");
        var bytes = buffer.ToArray();
        for (var i = 0; i + 4 <= bytes.Length; i++)
        {
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4)
                bytes[i + 6] |= 1;
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 1 && bytes[i + 3] == 2)
                bytes[i + 8] |= 1;
        }
        return bytes;
    }
}
