using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// <c>/metrics</c> of the real server as a child process (its own meters, nothing from other tests): a small SMTP
/// load with MailKit over loopback, then the Prometheus text is scraped, parsed and the counters must have moved
/// by exactly what the load did. Also who may scrape: nobody anonymously on the admin address, an API key there,
/// anyone on the separate scrape address, which serves nothing else.
/// </summary>
public sealed class MetricsEndpointTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const string ApiKey = "mf_metrics-test-key-0123456789abcdef0123";
    private const string Frontend = "Default Frontend";
    private readonly TestStores stores = new(postgres);

    [Fact]
    public async Task Metrics_AfterASmallSmtpLoad_MovedByExactlyTheLoad()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-metrics-").FullName;
        var httpPort = FreePort.Get();
        var scrapePort = FreePort.Get();
        var smtpPort = FreePort.Get();
        var closedLmtpPort = FreePort.Get();
        await using var server = await ServerProcess.StartAsync(store, dataDirectory, smtpPort, new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Mailflow__Admin__InitialApiKey"] = ApiKey,
            ["Mailflow__Metrics__ListenUrl"] = $"http://127.0.0.1:{scrapePort}",
        });
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{scrapePort}"), Timeout = TimeSpan.FromSeconds(30) };
        await WaitUntilReadyAsync(scraper, server);

        // A Maildir mailbox (delivered at once) and one whose LMTP server does not answer (deferred, stays queued).
        var before = await ScrapeAsync(scraper);
        var generationBefore = before.Sum("mailflow_config_generation");
        await CreateMailboxAsync(admin, new { kind = "Mailbox", displayName = "Bob", primaryAddress = "bob@contoso.test" });
        await CreateMailboxAsync(admin, new { kind = "Mailbox", displayName = "Carol", primaryAddress = "carol@contoso.test", deliveryKind = "Lmtp", deliveryTarget = $"127.0.0.1:{closedLmtpPort}" });
        var configured = await ScrapeUntilAsync(scraper, m => m.Sum("mailflow_config_generation") >= generationBefore + 2, "the configuration generation gauge to move by two");
        long latestGeneration;
        await using (var db = TestStores.OpenContext(store))
            latestGeneration = await TransportConfigLoader.ReadLatestGenerationAsync(db, CancellationToken.None);
        Assert.Equal(latestGeneration, configured.Sum("mailflow_config_generation"));

        var baseline = await ScrapeAsync(scraper);
        var sizes = new List<long>();
        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
            for (var n = 0; n < 3; n++)
                await client.SendAsync(Message("bob@contoso.test", n));
            await client.SendAsync(Message("carol@contoso.test", 9));
            // Relaying for an anonymous client is refused at RCPT (550 5.7.54): one 5xx reply, no transaction.
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("someone@elsewhere.test", 0)));
            Assert.Equal(550, (int)refused.StatusCode);
            await client.DisconnectAsync(quit: true);
        }

        var after = await ScrapeUntilAsync(scraper,
            m => Delta(baseline, m, "mailflow_delivery_recipients_total", ("outcome", "delivered")) >= 3
                 && Delta(baseline, m, "mailflow_delivery_recipients_total", ("outcome", "deferred")) >= 1
                 && m.Has("mailflow_queue_messages", ("kind", "delivery")),
            "three deliveries, one deferral and the queue gauge");

        Assert.Equal(1, Delta(baseline, after, "mailflow_smtp_sessions_total", ("connector", Frontend), ("outcome", "quit")));
        Assert.Equal(4, Delta(baseline, after, "mailflow_smtp_transactions_total", ("connector", Frontend), ("outcome", "accepted")));
        Assert.Equal(0, Delta(baseline, after, "mailflow_smtp_transactions_total", ("connector", Frontend), ("outcome", "rejected")));
        Assert.Equal(1, Delta(baseline, after, "mailflow_smtp_replies_total", ("connector", Frontend), ("class", "5xx")));
        Assert.Equal(0, Delta(baseline, after, "mailflow_smtp_replies_total", ("connector", Frontend), ("class", "4xx")));
        // Banner, EHLO, 4 × (MAIL, RCPT, end of data), the refused message's MAIL, its RSET, QUIT: MailKit's exact conversation.
        Assert.True(Delta(baseline, after, "mailflow_smtp_replies_total", ("connector", Frontend), ("class", "2xx")) >= 14);
        var received = Delta(baseline, after, "mailflow_smtp_received_bytes_total", ("connector", Frontend));
        Assert.InRange(received, 4 * 3000, 4 * 6000);
        Assert.Equal(1, Delta(baseline, after, "mailflow_agent_verdicts_total", ("agent", "Relay"), ("verdict", "Reject")));

        Assert.Equal(3, Delta(baseline, after, "mailflow_delivery_recipients_total", ("outcome", "delivered"), ("next_hop", "Local mailboxes")));
        var lmtpQueue = $"LMTP 127.0.0.1:{closedLmtpPort}";
        Assert.Equal(1, Delta(baseline, after, "mailflow_delivery_recipients_total", ("outcome", "deferred"), ("next_hop", lmtpQueue)));
        Assert.Equal(1, Delta(baseline, after, "mailflow_delivery_retries_total", ("next_hop", lmtpQueue)));
        Assert.Equal(3, Delta(baseline, after, "mailflow_delivery_latency_seconds_count", ("next_hop", "Local mailboxes")));
        Assert.True(Delta(baseline, after, "mailflow_delivery_sent_bytes_total", ("next_hop", "Local mailboxes")) >= 3 * 3000);
        Assert.Equal(0, Delta(baseline, after, "mailflow_dsn_sent_total"));

        // Acceptance went through the group committer: four messages in one or more batches.
        Assert.Equal(4, Delta(baseline, after, "mailflow_store_commit_batch_size_sum", ("committer", "GroupCommitter")));
        Assert.InRange(Delta(baseline, after, "mailflow_store_commit_batch_size_count", ("committer", "GroupCommitter")), 1, 4);
        Assert.True(after.Sum("mailflow_store_commit_duration_seconds_count", ("committer", "MessageTracker")) > 0);

        Assert.Equal(1, after.Sum("mailflow_queue_messages", ("queue", lmtpQueue), ("kind", "delivery")));
        Assert.True(after.Has("mailflow_queue_oldest_message_age_seconds", ("queue", lmtpQueue)));
        Assert.Equal("counter", after.Types["mailflow_smtp_sessions_total"]);
        Assert.Equal("histogram", after.Types["mailflow_delivery_latency_seconds"]);
        Assert.Equal("gauge", after.Types["mailflow_queue_messages"]);
    }

    [Fact]
    public async Task Metrics_OnTheAdminAddress_NeedAnAdminAndTheScrapeAddressServesNothingElse()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-metrics-").FullName;
        var httpPort = FreePort.Get();
        var scrapePort = FreePort.Get();
        await using var server = await ServerProcess.StartAsync(store, dataDirectory, FreePort.Get(), new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Mailflow__Admin__InitialApiKey"] = ApiKey,
            ["Mailflow__Metrics__ListenUrl"] = $"http://127.0.0.1:{scrapePort}",
        });
        using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{scrapePort}"), Timeout = TimeSpan.FromSeconds(30) };
        await WaitUntilReadyAsync(scraper, server);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        using (var keyed = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            keyed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            using var response = await anonymous.SendAsync(keyed);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("mailflow_config_generation", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync(new Uri("/api/v1/recipients", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Metrics_WithAllowAnonymous_AreServedOnTheAdminAddress()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-metrics-").FullName;
        var httpPort = FreePort.Get();
        await using var server = await ServerProcess.StartAsync(store, dataDirectory, FreePort.Get(), new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Mailflow__Metrics__AllowAnonymous"] = "true",
        });
        using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await WaitUntilReadyAsync(anonymous, server);
        var metrics = await ScrapeAsync(anonymous);
        Assert.True(metrics.Has("mailflow_config_generation"));
    }

    /// <summary>The SMTP listeners open before the HTTP server: wait for /readyz to say 200, within a bound.</summary>
    internal static async Task WaitUntilReadyAsync(HttpClient http, ServerProcess server)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        Assert.Fail($"/readyz did not answer 200 within 30 s:\n{server.Output}");
    }

    private static async Task CreateMailboxAsync(HttpClient admin, object recipient)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/recipients", recipient);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static MimeMessage Message(string to, int n) => new()
    {
        From = { MailboxAddress.Parse("sender@fabrikam.test") },
        To = { MailboxAddress.Parse(to) },
        Subject = $"metrics {n}",
        Body = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat($"line {n} of a message for the metrics test\r\n", 70)) },
    };

    private static double Delta(PrometheusText before, PrometheusText after, string name, params (string, string)[] labels) =>
        after.Sum(name, labels) - before.Sum(name, labels);

    private static async Task<PrometheusText> ScrapeAsync(HttpClient scraper)
    {
        using var response = await scraper.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return PrometheusText.Parse(body);
    }

    /// <summary>Delivery and the queue sample run in the background: scrape until they show, within a bound.</summary>
    private static async Task<PrometheusText> ScrapeUntilAsync(HttpClient scraper, Func<PrometheusText, bool> done, string what)
    {
        var last = await ScrapeAsync(scraper);
        for (var attempt = 0; attempt < 150 && !done(last); attempt++)
        {
            await Task.Delay(200);
            last = await ScrapeAsync(scraper);
        }
        Assert.True(done(last), $"waited 30 s for {what}; last scrape:\n{string.Join('\n', last.Samples.Where(s => s.Name.StartsWith("mailflow_", StringComparison.Ordinal)).Select(s => $"{s.Name}{{{string.Join(',', s.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {s.Value.ToString(CultureInfo.InvariantCulture)}"))}");
        return last;
    }

    public void Dispose() => stores.Dispose();
}
