using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Operations.Alerts;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Operations.Alerts;

/// <summary>
/// An alert as a JSON POST to the admins' webhook. With a secret set, the body is signed
/// (<c>X-Mailflow-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>); the secret itself never travels and is
/// never logged. A failed POST (no answer, or not 2xx) is retried after <see cref="AlertOptions.WebhookRetryBaseSeconds"/>,
/// doubling, up to <see cref="AlertOptions.WebhookMaxAttempts"/>.
/// </summary>
public sealed class AlertWebhook(IHttpClientFactory httpFactory, AlertWebhookSecretProtector secrets, IOptions<AlertOptions> options, IOptions<MailflowOptions> mailflow, ILogger<AlertWebhook> logger)
{
    public const string HttpClientName = "Mailflow.AlertWebhook";
    public const string SignatureHeader = "X-Mailflow-Signature";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    /// <summary>Starts the delivery (with its retries) and returns at once.</summary>
    public void Send(AlertNotification notification, string url, OperationsSettings settings, CancellationToken stoppingToken)
    {
        string? secret;
        try
        {
            secret = secrets.Unprotect(settings);
        }
        catch (CryptographicException)
        {
            logger.LogWarning("The alert webhook secret cannot be decrypted (the key ring changed); sending unsigned");
            secret = null;
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(Payload(notification, mailflow.Value.ResolvedNodeName), Json);
        var task = DeliverAsync(url, body, secret, notification, stoppingToken);
        _inFlight[task] = 0;
        _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }

    public static object Payload(AlertNotification n, string node)
    {
        var (href, linkText) = AlertKinds.FixLink(n.Alert.Kind, n.Alert.Subject);
        return new
        {
            @event = n.Raised ? "raised" : "cleared",
            alert = new
            {
                id = n.Alert.Id,
                kind = n.Alert.Kind.ToString(),
                label = AlertKinds.MetricLabel(n.Alert.Kind),
                title = AlertKinds.Title(n.Alert.Kind),
                subject = n.Alert.Subject,
                severity = n.Alert.Severity.ToString(),
                text = n.Alert.Text,
                details = n.Alert.Details,
                node = n.Alert.Node,
                raisedAt = n.Alert.RaisedAt,
                clearedAt = n.Alert.ClearedAt,
                fix = new { path = "/" + href, text = linkText },
            },
            sentBy = node,
            at = n.At,
        };
    }

    public static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private async Task DeliverAsync(string url, byte[] body, string? secret, AlertNotification notification, CancellationToken stoppingToken)
    {
        var o = options.Value;
        var delay = TimeSpan.FromSeconds(Math.Max(0.01, o.WebhookRetryBaseSeconds));
        var attempts = Math.Max(1, o.WebhookMaxAttempts);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            string failure;
            try
            {
                using var client = httpFactory.CreateClient(HttpClientName);
                client.Timeout = TimeSpan.FromSeconds(Math.Max(1, o.WebhookTimeoutSeconds));
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                if (secret is not null)
                    request.Headers.Add(SignatureHeader, Sign(body, secret));
                using var response = await client.SendAsync(request, stoppingToken);
                if (response.IsSuccessStatusCode)
                    return;
                failure = $"HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                failure = exception.GetType().Name;
            }
            // The URL's host only: a token in its path or query stays out of the log.
            var host = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : "?";
            if (attempt == attempts)
            {
                logger.LogWarning("The alert webhook at {Host} failed ({Failure}) {Attempts} times; the {Kind} alert about {Subject} was not delivered there", host, failure, attempts, notification.Alert.Kind, notification.Alert.Subject);
                return;
            }
            logger.LogInformation("The alert webhook at {Host} failed ({Failure}); retrying in {Delay}", host, failure, delay);
            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay *= 2;
        }
    }

    /// <summary>At shutdown: lets deliveries under way end (they stop at the stopping token).</summary>
    public Task DrainAsync() => Task.WhenAll(_inFlight.Keys);
}
