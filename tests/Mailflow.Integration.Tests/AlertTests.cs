using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.DomainHealth;
using Mailflow.Operations.Alerts;
using Mailflow.Queue;
using Mailflow.Server.Operations.Alerts;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The alert evaluator in the real server, on both stores: each condition made to happen for real — a next hop
/// answering 451 (its message made old in the store), a recipient refused with 550 (an NDR), a stored certificate
/// valid for 5 days, a node row that stopped heartbeating, a failing domain health report — raises its alert, which
/// is mailed through our own queue to a local mailbox and POSTed (signed; retried after a first 500) to a loopback
/// webhook; when each cause is gone the alerts clear, and the webhook hears that too.
/// </summary>
public sealed class AlertTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const string WebhookSecret = "alert-webhook-secret-0123456789";
    /// <summary>The recipient whose message the failing smart host holds (451) until the test lets it through.</summary>
    private const string StuckRecipient = "carol@fabrikam.test";
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Alerts_AreRaisedNotifiedAndCleared_ForRealConditions(DatabaseProvider provider)
    {
        var failing = true;
        await using var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            RcptReply = (address, _) => address.StartsWith("gone@", StringComparison.Ordinal) ? "550 5.1.1 <gone@fabrikam.test>: User unknown"
                : Volatile.Read(ref failing) ? "451 4.3.0 Try again later" : null,
        });
        using var webhook = WebhookListener.Start();
        var store = await stores.CreateAsync(provider);
        await using var host = MailflowHost.Start(store, new Dictionary<string, string?>
        {
            // The test evaluates when it wants to (the worker's first step runs at start, the next in an hour).
            ["Mailflow:Alerts:EvaluationIntervalSeconds"] = "3600",
            ["Mailflow:Alerts:WebhookRetryBaseSeconds"] = "0.2",
        });
        var recipients = host.Get<RecipientService>();
        var bob = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Bob", PrimaryAddress = "bob@contoso.test" });
        await recipients.SetSubmissionPasswordAsync(Admin, bob.Id, bob.Revision, "bobs-submission-pass");
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Operations", PrimaryAddress = "ops@contoso.test" });
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host", AddressSpaces = [new AddressSpace("*")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        var operations = host.Get<OperationsSettingsService>();
        var settings = await operations.GetAsync();
        settings.Alerts = new AlertSettings
        {
            QueueOldestMessageMinutes = 30, NextHopFailingMinutes = 0, NdrThreshold = 0, NdrSpikeFactor = 2, NdrSpikeMinimum = 1,
            CertificateExpiryDays = 14, NodeHeartbeatMissingMinutes = 5,
            NotifyAddress = "ops@contoso.test", WebhookUrl = webhook.Url,
        };
        settings = await operations.UpdateAsync(Admin, settings, WebhookSecret);
        await host.WaitForLatestGenerationAsync();

        // The causes, for real.
        await SubmitAsync(host, StuckRecipient, "Stuck");
        await SubmitAsync(host, "gone@fabrikam.test", "Bounces");
        var queues = host.Get<IQueueOperations>();
        var stuck = await WaitForAsync(async () => (await queues.ListQueuesAsync()).FirstOrDefault(q => q.Kind == NextHopQueueKind.Delivery && q.LastError is not null));
        Assert.StartsWith("451", stuck.LastError);
        await using (var db = TestStores.OpenContext(store))
        {
            await WaitForAsync(async () => await db.MessageTrackingEvents.AnyAsync(e => e.Kind == MessageTrackingEventKind.Fail) ? "failed" : null);
            // The stuck message was received two hours ago, as far as the queue knows.
            var message = await db.QueuedMessages.SingleAsync(m => m.State == QueuedMessageState.Categorized && m.Recipients.Any(r => r.Address == StuckRecipient));
            message.QueuedAt = DateTimeOffset.UtcNow.AddHours(-2);
            db.Nodes.Add(new NodeRegistration { Name = "node-gone", Address = "192.0.2.7", StartedAt = DateTimeOffset.UtcNow.AddDays(-1), FirstStartedAt = DateTimeOffset.UtcNow.AddDays(-1), StartCount = 1, LastHeartbeat = DateTimeOffset.UtcNow.AddMinutes(-10) });
            await db.SaveChangesAsync();
        }
        var certificate = await host.Get<TlsCertificateService>().GenerateSelfSignedAsync(Admin, "Short-lived", "mx.contoso.test", validityDays: 5);
        var health = host.Get<DomainHealthService>();
        await health.SaveAsync(Report(DomainHealthStatus.Fail));

        using var gauge = new GaugeReader();
        var evaluator = host.Get<AlertEvaluator>();
        var raised = await evaluator.EvaluateOnceAsync(CancellationToken.None);
        AlertKind[] expected = [AlertKind.QueueAge, AlertKind.NextHopFailing, AlertKind.NdrSpike, AlertKind.CertificateExpiring, AlertKind.NodeHeartbeatMissing, AlertKind.DomainHealth];
        Assert.Equal(expected.Order(), raised.Raised.Select(a => a.Kind).Order());
        Assert.Empty(raised.Cleared);
        var active = await host.Get<AlertQuery>().ActiveAsync();
        Assert.Equal(6, active.Count);
        Assert.Contains(active, a => a.Kind == AlertKind.CertificateExpiring && a.Subject == "Short-lived" && a.Text.Contains("expires in", StringComparison.Ordinal));
        Assert.Contains(active, a => a.Kind == AlertKind.NodeHeartbeatMissing && a.Subject == "node-gone" && a.Severity == AlertSeverity.Critical);
        Assert.Contains(active, a => a.Kind == AlertKind.NextHopFailing && a.Details.Contains("451 4.3.0", StringComparison.Ordinal));
        Assert.Contains(active, a => a.Kind == AlertKind.QueueAge && a.Text.Contains("has waited", StringComparison.Ordinal));
        Assert.Equal(1, gauge.Read("queue_age"));
        Assert.Equal(1, gauge.Read("certificate_expiring"));
        Assert.Equal(0, gauge.Read("back_pressure"));

        // A second look changes nothing: the alerts stay, nothing is raised or notified twice.
        var again = await evaluator.EvaluateOnceAsync(CancellationToken.None);
        Assert.Empty(again.Raised);
        Assert.Empty(again.Cleared);

        // The webhook: the first POST was answered 500 and sent again; every raise arrived once, signed.
        var posts = await webhook.WaitForAsync(p => p.Count(x => x.Status == 200 && x.Event == "raised") >= 6, Patience);
        var refused = Assert.Single(posts, p => p.Status == 500);
        Assert.Single(posts, p => p.Status == 200 && p.Body == refused.Body);
        Assert.All(posts, p => Assert.Equal(AlertWebhook.Sign(Encoding.UTF8.GetBytes(p.Body), WebhookSecret), p.Signature));
        Assert.DoesNotContain(posts, p => p.Body.Contains(WebhookSecret, StringComparison.Ordinal));
        Assert.Equal(expected.Select(AlertKinds.MetricLabel).Order(), posts.Where(p => p.Status == 200 && p.Event == "raised").Select(p => p.Label).Order());

        // The mail: one per raised alert, delivered through the queue to the local mailbox.
        var mails = await WaitForMaildirAsync(host, "ops@contoso.test", 6);
        var subjects = await Task.WhenAll(mails.Select(async f => (await MimeMessage.LoadAsync(f)).Subject));
        Assert.Contains("[Mailflow alert] TLS certificate expiring: Short-lived", subjects);
        Assert.Contains("[Mailflow alert] Node not heard from: node-gone", subjects);

        // The causes go away.
        Volatile.Write(ref failing, false);
        await queues.ApplyAsync(Admin, QueueAction.RetryNow, [await StuckQueueIdAsync(store)]);
        await remote.WaitForMessagesAsync(1, Patience);
        await WaitForAsync(async () => (await queues.ListQueuesAsync()).Any(q => q.Kind == NextHopQueueKind.Delivery) ? null : "empty");
        await host.Get<TlsCertificateService>().DeleteAsync(Admin, certificate.Id);
        await using (var db = TestStores.OpenContext(store))
        {
            var gone = await db.Nodes.SingleAsync(n => n.Name == "node-gone");
            gone.LastHeartbeat = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync();
        }
        await health.SaveAsync(Report(DomainHealthStatus.Ok));
        settings = await operations.GetAsync();
        settings.Alerts.NdrSpikeMinimum = 100;
        await operations.UpdateAsync(Admin, settings);
        await host.WaitForLatestGenerationAsync();

        var cleared = await evaluator.EvaluateOnceAsync(CancellationToken.None);
        Assert.Equal(expected.Order(), cleared.Cleared.Select(a => a.Kind).Order());
        Assert.Empty(await host.Get<AlertQuery>().ActiveAsync());
        var history = await host.Get<AlertQuery>().HistoryAsync();
        Assert.Equal(6, history.Count);
        Assert.All(history, a => Assert.True(a.ClearedAt >= a.RaisedAt));
        Assert.Equal(0, gauge.Read("queue_age"));
        await webhook.WaitForAsync(p => p.Count(x => x.Status == 200 && x.Event == "cleared") >= 6, Patience);
        await WaitForMaildirAsync(host, "ops@contoso.test", 12);

        // The secret is stored encrypted and never in the audit log.
        await using (var db = TestStores.OpenContext(store))
        {
            var stored = await db.OperationsSettings.AsNoTracking().SingleAsync();
            Assert.NotNull(stored.AlertWebhookSecretProtected);
            Assert.DoesNotContain(WebhookSecret, stored.AlertWebhookSecretProtected, StringComparison.Ordinal);
            var audit = await db.AuditEntries.AsNoTracking().Where(a => a.ObjectType == nameof(OperationsSettings)).ToListAsync();
            Assert.NotEmpty(audit);
            Assert.All(audit, a => Assert.DoesNotContain(WebhookSecret, (a.Before ?? "") + (a.After ?? ""), StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// The message the failing next hop holds, by its recipient: the NDR and the alert mails are queued
    /// messages too, and one of them may still be Categorized for a moment after its Maildir file appeared.
    /// </summary>
    private static async Task<string> StuckQueueIdAsync(StoreSettings store)
    {
        await using var db = TestStores.OpenContext(store);
        return await db.QueuedMessages.Where(m => m.State == QueuedMessageState.Categorized && m.Recipients.Any(r => r.Address == StuckRecipient))
            .Select(m => m.QueueId).SingleAsync();
    }

    private static DomainHealthReport Report(DomainHealthStatus status) => new()
    {
        Domain = "contoso.test", CheckedAt = DateTimeOffset.UtcNow, CheckedBy = "node-it", Status = status,
        Checks = [new DomainHealthCheck("spf", "SPF", "SPF record", status, status == DomainHealthStatus.Fail ? "Two SPF records: receivers treat that as a permanent error." : "One SPF record.")],
    };

    private static async Task SubmitAsync(MailflowHost host, string to, string subject)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");
        await client.SendAsync(new MimeMessage
        {
            From = { MailboxAddress.Parse("bob@contoso.test") }, To = { MailboxAddress.Parse(to) }, Subject = subject,
            Body = new TextPart("plain") { Text = "Hello." },
        });
        await client.DisconnectAsync(true);
    }

    private static async Task<string[]> WaitForMaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder).Length >= count)
                return Directory.GetFiles(folder);
            await Task.Delay(100);
        }
        throw new TimeoutException($"{count} message(s) did not arrive in {folder}");
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
                return value;
            await Task.Delay(100);
        }
        throw new TimeoutException("the condition did not hold in time");
    }

    public void Dispose() => stores.Dispose();

    /// <summary>Reads <c>mailflow.alerts.active</c> through a MeterListener (what the Prometheus exporter reads).</summary>
    private sealed class GaugeReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, int> _values = new();

        public GaugeReader()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Mailflow" && instrument.Name == "mailflow.alerts.active")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == "alert")
                        _values[(string)tag.Value!] = value;
            });
            _listener.Start();
        }

        public int Read(string alert)
        {
            _values.Clear();
            _listener.RecordObservableInstruments();
            return _values.TryGetValue(alert, out var value) ? value : -1;
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>A loopback HTTP receiver for the webhook: answers the first POST 500, every later one 200, and keeps them all.</summary>
    private sealed class WebhookListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<Post> _posts = new();
        private int _count;

        public sealed record Post(int Status, string Body, string? Signature, string Event, string Label);

        public string Url { get; private set; } = "";

        public static WebhookListener Start()
        {
            var hook = new WebhookListener();
            var port = FreePort.Get();
            hook.Url = $"http://127.0.0.1:{port}/hook/";
            hook._listener.Prefixes.Add(hook.Url);
            hook._listener.Start();
            _ = hook.ServeAsync();
            return hook;
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var status = Interlocked.Increment(ref _count) == 1 ? 500 : 200;
                using var json = JsonDocument.Parse(body);
                _posts.Enqueue(new Post(status, body, context.Request.Headers[AlertWebhook.SignatureHeader],
                    json.RootElement.GetProperty("event").GetString()!, json.RootElement.GetProperty("alert").GetProperty("label").GetString()!));
                context.Response.StatusCode = status;
                context.Response.Close();
            }
        }

        public async Task<IReadOnlyList<Post>> WaitForAsync(Func<IReadOnlyList<Post>, bool> enough, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (DateTime.UtcNow < deadline)
            {
                var posts = _posts.ToList();
                if (enough(posts))
                    return posts;
                await Task.Delay(100);
            }
            throw new TimeoutException($"the webhook received {_posts.Count} posts");
        }

        public void Dispose() => _listener.Close();
    }
}
