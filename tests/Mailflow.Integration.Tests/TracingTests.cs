using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Operations.Tracing;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// OpenTelemetry traces of the receive → deliver path, exported over OTLP/HTTP to a collector the test runs on
/// loopback (<see cref="OtlpTraceReceiver"/>): one message over SMTP into a Maildir mailbox, and the spans that
/// arrive — names, parents, the links across the store hop and the ids as attributes, nothing more.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TracingTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores _stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ReceiveToDelivery_SpansArriveOverOtlp_WithParentsLinksAndIds(DatabaseProvider provider)
    {
        await using var collector = new OtlpTraceReceiver();
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Mailflow:Telemetry:OtlpEndpoint"] = collector.Endpoint,
            // The batch exporter's delay (OpenTelemetry reads OTEL_* settings from the configuration): spans within a second.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "300",
        });
        await host.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"alice@{MailflowHost.DefaultDomain}" });
        await host.WaitForLatestGenerationAsync();
        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse("sender@fabrikam.test") },
            To = { MailboxAddress.Parse($"alice@{MailflowHost.DefaultDomain}") },
            Subject = "Traced",
            Body = new TextPart("plain") { Text = "Follow me." },
        };
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("traced.test");
        string reply;
        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            reply = await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }
        var queueId = System.Text.RegularExpressions.Regex.Match(reply, "<([A-Za-z0-9]+)>").Groups[1].Value;
        Assert.NotEmpty(queueId);

        var spans = await collector.WaitForAsync(all =>
            all.Any(s => s.Name == MailflowTracing.Spans.Delivery && s.Attributes.GetValueOrDefault(MailflowTracing.Attributes.QueueId) == queueId)
            && all.Any(s => s.Name == MailflowTracing.Spans.Route && s.Attributes.GetValueOrDefault(MailflowTracing.Attributes.QueueId) == queueId)
            && all.Any(s => s.Name == MailflowTracing.Spans.Session && s.Attributes.ContainsKey(MailflowTracing.Attributes.Outcome)),
            TimeSpan.FromSeconds(30));
        Assert.Empty(collector.Errors);

        // Receive: one trace — session › transaction › end-of-data agents and the store commit.
        var transaction = Assert.Single(spans, s => s.Name == MailflowTracing.Spans.Transaction && s.Attributes.GetValueOrDefault(MailflowTracing.Attributes.QueueId) == queueId);
        var session = Assert.Single(spans, s => s.SpanId == transaction.ParentSpanId);
        Assert.Equal(MailflowTracing.Spans.Session, session.Name);
        Assert.Equal(2, session.Kind); // SPAN_KIND_SERVER
        Assert.Equal("", session.ParentSpanId);
        Assert.Equal("Default Frontend", session.Attributes[MailflowTracing.Attributes.Connector]);
        Assert.Equal(session.Attributes[MailflowTracing.Attributes.SessionId], transaction.Attributes[MailflowTracing.Attributes.SessionId]);
        Assert.Equal("quit", session.Attributes[MailflowTracing.Attributes.Outcome]);
        Assert.Equal("accepted", transaction.Attributes[MailflowTracing.Attributes.Outcome]);
        Assert.Equal("mailflow", session.ServiceName);
        var sessionSpans = spans.Where(s => s.TraceId == session.TraceId).ToList();
        Assert.Contains(sessionSpans, s => s.Name == "agents.connect" && s.ParentSpanId == session.SpanId);
        Assert.Contains(sessionSpans, s => s.Name == "agents.rcpt-to" && s.ParentSpanId == session.SpanId && s.Attributes[MailflowTracing.Attributes.AgentEvent] == "rcpt-to");
        Assert.Contains(sessionSpans, s => s.Name == "agents.end-of-data" && s.ParentSpanId == transaction.SpanId);
        var commit = Assert.Single(sessionSpans, s => s.Name == MailflowTracing.Spans.StoreCommit);
        Assert.Equal(transaction.SpanId, commit.ParentSpanId);
        Assert.Equal(queueId, commit.Attributes[MailflowTracing.Attributes.QueueId]);
        Assert.Equal(message.MessageId, commit.Attributes[MailflowTracing.Attributes.MessageId].Trim('<', '>'));

        // After the store: traces of their own that link back to the receiving transaction.
        var categorize = Assert.Single(spans, s => s.Name == MailflowTracing.Spans.Categorize && s.Attributes.GetValueOrDefault(MailflowTracing.Attributes.QueueId) == queueId);
        Assert.Equal("", categorize.ParentSpanId);
        Assert.Equal((session.TraceId, transaction.SpanId), Assert.Single(categorize.Links));
        var route = Assert.Single(spans, s => s.Name == MailflowTracing.Spans.Route && s.Attributes.GetValueOrDefault(MailflowTracing.Attributes.QueueId) == queueId);
        Assert.Equal(categorize.SpanId, route.ParentSpanId);
        Assert.Equal("Local mailboxes", route.Attributes[MailflowTracing.Attributes.NextHop]);
        var delivery = Assert.Single(spans, s => s.Name == MailflowTracing.Spans.Delivery && s.Attributes.GetValueOrDefault(MailflowTracing.Attributes.QueueId) == queueId);
        Assert.Equal((session.TraceId, transaction.SpanId), Assert.Single(delivery.Links));
        Assert.Equal("Local mailboxes", delivery.Attributes[MailflowTracing.Attributes.NextHop]);
        Assert.Equal("delivered 1", delivery.Attributes[MailflowTracing.Attributes.Outcome]);
        Assert.Equal(message.MessageId, delivery.Attributes[MailflowTracing.Attributes.MessageId].Trim('<', '>'));

        // No addresses in any attribute.
        Assert.DoesNotContain(spans.SelectMany(s => s.Attributes.Values), v => v.Contains('@', StringComparison.Ordinal) && !v.Contains("traced.test", StringComparison.Ordinal));
    }

    public void Dispose() => _stores.Dispose();
}
