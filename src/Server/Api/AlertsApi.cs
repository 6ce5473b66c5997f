using System.Security.Claims;
using Mailflow.Configuration;
using Mailflow.Operations.Alerts;

namespace Mailflow.Server.Api;

/// <summary>An alert as the API shows it: the stored row plus its title and where to fix it.</summary>
public sealed record AlertResource(
    long Id, AlertKind Kind, string Label, string Title, string Subject, AlertSeverity Severity, string Text, string Details,
    string Node, DateTimeOffset RaisedAt, DateTimeOffset LastSeenAt, DateTimeOffset? ClearedAt, string FixPath, string FixText)
{
    public static AlertResource From(AlertRecord a)
    {
        var (href, text) = AlertKinds.FixLink(a.Kind, a.Subject);
        return new AlertResource(a.Id, a.Kind, AlertKinds.MetricLabel(a.Kind), AlertKinds.Title(a.Kind), a.Subject, a.Severity, a.Text, a.Details,
            a.Node, a.RaisedAt, a.LastSeenAt, a.ClearedAt, "/" + href, text);
    }
}

/// <summary>
/// The operations settings as the API shows and takes them, without the stored (encrypted) webhook secret.
/// <see cref="WebhookSecret"/> is write-only: set it to store a new one, "" to remove it, leave it null to keep it;
/// responses carry only <see cref="HasWebhookSecret"/>.
/// </summary>
public sealed class OperationsSettingsResource
{
    public AlertSettings Alerts { get; set; } = new();
    public LogRetentionSettings LogRetention { get; set; } = new();
    /// <summary>Write-only: the webhook's signing secret. Never returned.</summary>
    public string? WebhookSecret { get; set; }
    /// <summary>Read-only: whether a webhook secret is stored.</summary>
    public bool HasWebhookSecret { get; set; }
    public int Revision { get; set; }

    public static OperationsSettingsResource From(OperationsSettings s) => new()
    {
        Alerts = s.Alerts, LogRetention = s.LogRetention, HasWebhookSecret = s.AlertWebhookSecretProtected is not null, Revision = s.Revision,
    };

    public OperationsSettings ToEntity() => new() { Alerts = Alerts, LogRetention = LogRetention, Revision = Revision };
}

/// <summary>/api/v1/alerts (active alerts and their history) and /api/v1/operations-settings (alert thresholds and notification, log retention).</summary>
public static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        var alerts = api.MapGroup("/alerts").WithTags("Alerts");

        alerts.MapGet("/", async (AlertQuery query, CancellationToken ct) => (await query.ActiveAsync(ct)).Select(AlertResource.From).ToList())
            .WithName("ListActiveAlerts").WithSummary("The active alerts, critical first, then the longest-standing");

        alerts.MapGet("/history", async (int? limit, AlertQuery query, CancellationToken ct) =>
                (await query.HistoryAsync(limit ?? AlertQuery.DefaultHistoryLimit, ct)).Select(AlertResource.From).ToList())
            .WithName("ListAlertHistory").WithSummary("Cleared alerts, newest first (limit: 1 to 10,000, default 200)");

        var settings = api.MapGroup("/operations-settings").WithTags("Alerts");

        settings.MapGet("/", async (HttpContext http, OperationsSettingsService service, CancellationToken ct) =>
            {
                var current = await service.GetAsync(ct);
                return TypedResults.Ok(http.WithETag(OperationsSettingsResource.From(current), current.Revision));
            })
            .WithName("GetOperationsSettings").WithSummary("Alert thresholds and notification, log retention (ETag = revision); the webhook secret is never returned");

        settings.MapPut("/", async (OperationsSettingsResource input, HttpContext http, ClaimsPrincipal user, OperationsSettingsService service, CancellationToken ct) =>
            {
                var stored = await service.GetAsync(ct);
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await service.UpdateAsync(AdminActor.FromPrincipal(user), input.ToEntity(), input.WebhookSecret, ct);
                return TypedResults.Ok(http.WithETag(OperationsSettingsResource.From(saved), saved.Revision));
            })
            .WithName("UpdateOperationsSettings").WithSummary("Change the operations settings (If-Match required); webhookSecret: a new secret, \"\" to remove it, absent to keep it")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
