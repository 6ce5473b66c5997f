using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Dmarc;
using Mailflow.Server.Transport.Authentication.Dmarc.Reports;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// DMARC aggregate reports through the real server: inbound evaluations are counted, the daily job
/// sends a gzip report to the authorized rua addresses (a loopback SMTP sink), and a report another
/// organization sends about our domain over SMTP is stored (a hostile one is not).
/// </summary>
public sealed class DmarcReportFlowTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private readonly TestStores _stores = new(postgres);
    private readonly LoopbackDnsServer _dns = new();

    public async ValueTask DisposeAsync()
    {
        await _dns.DisposeAsync();
        _stores.Dispose();
    }

    private async Task<MailflowHost> StartAsync(DatabaseProvider provider, LoopbackSmtpServer remote)
    {
        _dns.Txt("fabrikam.test", "v=spf1 ip4:127.0.0.1 -all")
            .Txt("_dmarc.fabrikam.test", "v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@fabrikam.test,mailto:agg@reports.example,mailto:rua@vendor.test")
            .Txt("fabrikam.test._report._dmarc.vendor.test", "v=DMARC1");
        var host = await SenderAuthenticationHost.StartAsync(_stores, provider, _dns, remote, $"dmarc@{MailflowHost.DefaultDomain}");
        var settings = host.Get<OrganizationSettingsService>();
        var current = await settings.GetAsync();
        Assert.False(current.DmarcReportsEnabled);
        current.DmarcReportsEnabled = true;
        await settings.UpdateAsync(Admin, current);
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Evaluations_are_counted_and_yesterdays_report_reaches_the_authorized_rua_addresses(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = await StartAsync(provider, remote);
        // Our outbound mail is signed; the reports we send must be too (they come from our domain).
        var key = await host.Get<DkimKeyService>().GenerateAsync(Admin, MailflowHost.DefaultDomain, "mf2026", DkimKeyAlgorithm.Ed25519, enabled: true);
        await host.WaitForLatestGenerationAsync();

        // An inbound message: SPF passes in alignment, so DMARC passes; the evaluation is counted for today.
        await SenderAuthenticationHost.SendAsync(host, new MimeMessage
        {
            From = { MailboxAddress.Parse("alice@fabrikam.test") },
            To = { MailboxAddress.Parse($"dmarc@{MailflowHost.DefaultDomain}") },
            Subject = "Hello",
            Body = new TextPart("plain") { Text = "Hi." },
        });
        await host.Get<DmarcObservationCollector>().FlushAsync(CancellationToken.None);
        await using (var db = TestStores.OpenContext(host.Get<StoreSettings>()))
        {
            var today = Assert.Single(await db.DmarcObservations.AsNoTracking().ToListAsync());
            Assert.Equal(("fabrikam.test", "127.0.0.1", "pass", "fail", 1L), (today.PolicyDomain, today.SourceIp, today.SpfAligned, today.DkimAligned, today.Count));
        }
        // Today's counts wait for the day to end; yesterday's are due.
        var yesterday = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-1), TimeSpan.Zero);
        await host.Get<DmarcReportService>().RecordObservationsAsync(
        [
            new DmarcObservation { Day = yesterday, PolicyDomain = "fabrikam.test", HeaderFrom = "fabrikam.test", SourceIp = "192.0.2.7", Disposition = "reject",
                SpfDomain = "fabrikam.test", SpfResult = "fail", DkimDomain = "fabrikam.test", DkimResult = "fail", Count = 4 },
            new DmarcObservation { Day = yesterday, PolicyDomain = "fabrikam.test", HeaderFrom = "fabrikam.test", SourceIp = "127.0.0.1", SpfAligned = "pass",
                SpfDomain = "fabrikam.test", SpfResult = "pass", Count = 9 },
        ]);

        var sender = host.Get<DmarcReportSender>();
        Assert.Single(await sender.SendDueReportsAsync(CancellationToken.None));
        Assert.Empty(await sender.SendDueReportsAsync(CancellationToken.None)); // claimed: sent once

        var delivered = Assert.Single(await remote.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(["dmarc@fabrikam.test", "rua@vendor.test"], delivered.Recipients.Order()); // reports.example did not authorize
        // DKIM-signed like all mail from our domain, and an independent verifier (python3-dkim) agrees.
        Assert.Equal(["True"], await DkimPython.VerifyAsync(delivered.Data, new Dictionary<string, string> { [key.DnsRecordName] = key.DnsRecordValue }));
        var message = MimeMessage.Load(new MemoryStream(delivered.Data));
        Assert.Equal($"dmarc-reports@{MailflowHost.DefaultDomain}", message.From.Mailboxes.Single().Address);
        Assert.Contains("s=mf2026", message.Headers[HeaderId.DkimSignature]);
        Assert.Matches(@"^Report Domain: fabrikam\.test Submitter: contoso\.test Report-ID: <fabrikam\.test\.\d{8}\.[0-9a-f]{32}>$", message.Subject);
        var attachment = Assert.Single(message.Attachments.OfType<MimePart>());
        Assert.Equal("application/gzip", attachment.ContentType.MimeType);
        Assert.Equal(ContentEncoding.Base64, attachment.ContentTransferEncoding);
        Assert.EndsWith("!fabrikam.test!" + yesterday.ToUnixTimeSeconds() + "!" + (yesterday.ToUnixTimeSeconds() + 86399) + ".xml.gz", attachment.FileName);

        var report = AggregateReportFile.Read(attachment);
        Assert.Equal(("fabrikam.test", "reject", "s", 100), (report.Policy.Domain, report.Policy.P, report.Policy.Adkim, report.Policy.Pct));
        Assert.Equal([("127.0.0.1", 9L, "pass"), ("192.0.2.7", 4L, "fail")],
            report.Records.Select(r => (r.SourceIp, r.Count, r.SpfAligned)).OrderBy(r => r.SourceIp, StringComparer.Ordinal));
        Assert.Equal("reject", report.Records.Single(r => r.SourceIp == "192.0.2.7").Disposition);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_report_about_our_domain_sent_to_our_rua_mailbox_is_stored_and_a_hostile_one_is_not(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = await StartAsync(provider, remote);
        var begin = new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
        var report = new AggregateReport("google.com", "noreply-dmarc-support@google.com", "1234567890", begin, begin.AddDays(1).AddSeconds(-1),
            new PublishedPolicy(MailflowHost.DefaultDomain, "r", "r", "quarantine", "quarantine", 100),
        [
            new AggregateReportRecord("198.51.100.20", 120, "none", "pass", "pass", MailflowHost.DefaultDomain,
                [new DkimAuthResult(MailflowHost.DefaultDomain, "arc2026", "pass")], [new SpfAuthResult(MailflowHost.DefaultDomain, "mfrom", "pass")]),
            new AggregateReportRecord("203.0.113.66", 7, "quarantine", "fail", "fail", MailflowHost.DefaultDomain, [], [new SpfAuthResult("spoofer.example", "mfrom", "fail")]),
        ]);
        var hostile = new MimeMessage { Subject = $"Report Domain: {MailflowHost.DefaultDomain} Submitter: evil.example Report-ID: <x>" };
        hostile.From.Add(MailboxAddress.Parse("reports@fabrikam.test"));
        hostile.To.Add(MailboxAddress.Parse($"dmarc@{MailflowHost.DefaultDomain}"));
        hostile.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "report" },
            new MimePart("text", "xml") { FileName = "evil.xml", Content = new MimeContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(
                "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>"))) },
        };

        await SenderAuthenticationHost.SendAsync(host, hostile);
        var mail = AggregateReportMessage.Build(report, "google.com", "Google", [$"dmarc@{MailflowHost.DefaultDomain}"], DateTimeOffset.UtcNow);
        mail.From.Clear();
        mail.From.Add(MailboxAddress.Parse("noreply-dmarc-support@fabrikam.test"));
        await SenderAuthenticationHost.SendAsync(host, mail);
        await SenderAuthenticationHost.SendAsync(host, mail); // a report sent twice is stored once

        var service = host.Get<DmarcReportService>();
        DmarcReportOverview overview = new([], []);
        for (var attempt = 0; attempt < 300 && overview.Sources.Count < 2; attempt++)
        {
            await Task.Delay(100);
            overview = await service.OverviewAsync(begin.AddDays(-1));
        }
        var stored = Assert.Single(overview.Reports);
        Assert.Equal(("google.com", "1234567890", MailflowHost.DefaultDomain, 127L), (stored.Reporter, stored.ReportId, stored.PolicyDomain, stored.Messages));
        Assert.Equal([("203.0.113.66", 0L, 7L), ("198.51.100.20", 120L, 0L)], overview.Sources.Select(s => (s.SourceIp, s.Passed, s.Failed)));
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var trace = await WaitForTraceAsync(db, "not a usable DMARC report");
        Assert.Contains("DTD", trace);
    }

    private static async Task<string> WaitForTraceAsync(MailflowDbContext db, string text)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var detail = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Detail != null && e.Detail.Contains(text)).Select(e => e.Detail).FirstOrDefaultAsync();
            if (detail is not null)
                return detail;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no trace event says \"{text}\"");
    }
}
