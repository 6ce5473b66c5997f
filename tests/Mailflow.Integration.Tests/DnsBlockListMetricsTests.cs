using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Connection filtering's DNS block list lookups in <c>/metrics</c>: the whole server asks four zones on the
/// loopback DNS server about the client (one lists it, one does not, one answers SERVFAIL, one never answers)
/// at RCPT TO, and the scrape shows one lookup per zone with the right outcome and a latency sample each.
/// The zone names are unique to the run, so the process-wide meter's other tests do not disturb the counts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DnsBlockListMetricsTests(PostgresFixture postgres) : IAsyncDisposable
{
    private readonly TestStores _stores = new(postgres);
    private readonly LoopbackDnsServer _dns = new();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Lookups_AreCountedByZoneAndOutcome_WithTheirLatency(DatabaseProvider provider)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var listed = $"listed-{run}.test";
        var clean = $"clean-{run}.test";
        var broken = $"broken-{run}.test";
        var silent = $"silent-{run}.test";
        _dns.A($"1.0.0.127.{listed}", "127.0.0.2", ttl: 0)
            .Rcode($"1.0.0.127.{broken}", 2)
            .Silent($"1.0.0.127.{silent}");
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Mailflow:Dns:Servers:0"] = $"127.0.0.1:{_dns.EndPoint.Port}",
            ["Mailflow:Dns:TimeoutMilliseconds"] = "500",
            ["Mailflow:Dns:Retries"] = "0",
            ["Mailflow:Metrics:AllowAnonymous"] = "true",
        });
        await host.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"alice@{MailflowHost.DefaultDomain}" });
        var settings = host.Get<ProtectionSettingsService>();
        var current = await settings.GetAsync();
        current.ConnectionFilter = new ConnectionFilterSettings
        {
            CheckAt = DnsBlockListCheckPoint.Recipient,
            Zones = [new DnsBlockList { Zone = listed }, new DnsBlockList { Zone = clean }, new DnsBlockList { Zone = broken }, new DnsBlockList { Zone = silent }],
        };
        await settings.UpdateAsync(AdminActor.System, current);
        await host.WaitForLatestGenerationAsync();

        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("sender@fabrikam.test") },
                To = { MailboxAddress.Parse($"alice@{MailflowHost.DefaultDomain}") },
                Subject = "Hello",
                Body = new TextPart("plain") { Text = "Hi." },
            }));
            Assert.Equal(550, (int)refused.StatusCode);
            Assert.Contains($"5.7.1 Service unavailable; client [127.0.0.1] blocked using {listed}", refused.Message);
            await client.DisconnectAsync(true);
        }

        using var scraper = new HttpClient { BaseAddress = host.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await scraper.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var metrics = PrometheusText.Parse(body);

        Assert.Equal("counter", metrics.Types["mailflow_dnsbl_lookups_total"]);
        Assert.Equal("histogram", metrics.Types["mailflow_dnsbl_lookup_duration_seconds"]);
        Assert.Equal(1, metrics.Sum("mailflow_dnsbl_lookups_total", ("zone", listed), ("outcome", "listed")));
        Assert.Equal(1, metrics.Sum("mailflow_dnsbl_lookups_total", ("zone", clean), ("outcome", "not_listed")));
        Assert.Equal(1, metrics.Sum("mailflow_dnsbl_lookups_total", ("zone", broken), ("outcome", "error")));
        Assert.Equal(1, metrics.Sum("mailflow_dnsbl_lookups_total", ("zone", silent), ("outcome", "timeout")));
        foreach (var zone in new[] { listed, clean, broken, silent })
        {
            Assert.Equal(1, metrics.Sum("mailflow_dnsbl_lookups_total", ("zone", zone)));
            Assert.Equal(1, metrics.Sum("mailflow_dnsbl_lookup_duration_seconds_count", ("zone", zone)));
        }
        // The silent zone took at least the DNS client's timeout; the loopback answers far less.
        Assert.True(metrics.Sum("mailflow_dnsbl_lookup_duration_seconds_sum", ("zone", silent)) >= 0.4,
            metrics.Sum("mailflow_dnsbl_lookup_duration_seconds_sum", ("zone", silent)).ToString(CultureInfo.InvariantCulture));
        Assert.True(metrics.Sum("mailflow_dnsbl_lookup_duration_seconds_sum", ("zone", clean)) < 0.4);
    }

    public async ValueTask DisposeAsync()
    {
        await _dns.DisposeAsync();
        _stores.Dispose();
    }
}
