using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>The operations settings (alert thresholds and notification, log retention): one object, validated as a whole, saved with audit and a new generation.</summary>
public sealed class OperationsSettingsService(IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer, AlertWebhookSecretProtector secrets)
{
    public const int MaxWebhookSecretLength = 512;

    public async Task<OperationsSettings> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.OperationsSettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken) ?? new OperationsSettings();
    }

    /// <summary>Field keys are dotted paths the admin center and the API show messages under, e.g. <c>Alerts.WebhookUrl</c>.</summary>
    public static ValidationErrors ValidateFields(OperationsSettings s)
    {
        var errors = new ValidationErrors();
        var a = s.Alerts ?? new AlertSettings();
        if (a.QueueOldestMessageMinutes is < 0 or > 43_200)
            errors.Add("Alerts.QueueOldestMessageMinutes", "Enter between 0 (off) and 43,200 minutes (30 days).");
        if (a.NextHopFailingMinutes is < 0 or > 43_200)
            errors.Add("Alerts.NextHopFailingMinutes", "Enter between 0 (at the first failure) and 43,200 minutes (30 days).");
        if (a.NdrIntervalMinutes is < 1 or > 1440)
            errors.Add("Alerts.NdrIntervalMinutes", "Count NDRs over 1 to 1,440 minutes (a day).");
        if (a.NdrThreshold is < 0 or > 10_000_000)
            errors.Add("Alerts.NdrThreshold", "Enter between 0 (no fixed limit) and 10,000,000 NDRs.");
        if (double.IsNaN(a.NdrSpikeFactor) || a.NdrSpikeFactor is < 0 or > 1000 || (a.NdrSpikeFactor > 0 && a.NdrSpikeFactor < 1))
            errors.Add("Alerts.NdrSpikeFactor", "Enter 0 (off) or a factor between 1 and 1,000 times the usual rate.");
        if (a.NdrSpikeMinimum is < 0 or > 10_000_000)
            errors.Add("Alerts.NdrSpikeMinimum", "Enter between 0 and 10,000,000 NDRs.");
        if (a.CertificateExpiryDays is < 0 or > 365)
            errors.Add("Alerts.CertificateExpiryDays", "Enter between 0 (off) and 365 days.");
        if (a.NodeHeartbeatMissingMinutes is < 0 or > 43_200)
            errors.Add("Alerts.NodeHeartbeatMissingMinutes", "Enter between 0 (off) and 43,200 minutes (30 days).");
        if (!string.IsNullOrWhiteSpace(a.NotifyAddress) && !IsAddress(a.NotifyAddress.Trim()))
            errors.Add("Alerts.NotifyAddress", $"{a.NotifyAddress} is not an email address (e.g. postmaster@contoso.com).");
        if (!string.IsNullOrWhiteSpace(a.WebhookUrl)
            && (!Uri.TryCreate(a.WebhookUrl.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.UserInfo)))
            errors.Add("Alerts.WebhookUrl", "Enter an http:// or https:// URL without a user name or password in it (the secret signs each request instead).");

        var r = s.LogRetention ?? new LogRetentionSettings();
        if (r.ProtocolLogMaxAgeDays is < 0 or > 3650)
            errors.Add("LogRetention.ProtocolLogMaxAgeDays", "Keep protocol logs 1 to 3,650 days, or 0 for no age limit.");
        if (r.ProtocolLogMaxSizeMegabytes is < 0 or > 10_000_000)
            errors.Add("LogRetention.ProtocolLogMaxSizeMegabytes", "Enter between 0 (no size limit) and 10,000,000 MB.");
        if (r.TrackingLogMaxAgeDays is < 0 or > 3650)
            errors.Add("LogRetention.TrackingLogMaxAgeDays", "Keep tracking events 1 to 3,650 days, or 0 for no age limit.");
        if (r.TrackingLogMaxEvents is < 0 or > 1_000_000_000)
            errors.Add("LogRetention.TrackingLogMaxEvents", "Enter between 0 (no limit) and 1,000,000,000 events.");
        if (r.AlertHistoryMaxAgeDays is < 0 or > 3650)
            errors.Add("LogRetention.AlertHistoryMaxAgeDays", "Keep the alert history 1 to 3,650 days, or 0 for no age limit.");
        if (r.CompletedMessageDays is < 1 or > LogRetentionDefaults.CompletedMessageMaxDays)
            errors.Add("LogRetention.CompletedMessageDays", "Keep completed messages 1 to 3,650 days (they cannot be kept for ever).");
        return errors;
    }

    private static bool IsAddress(string text)
    {
        var at = text.LastIndexOf('@');
        return at > 0 && !text.Any(char.IsWhiteSpace) && DomainNameRules.TryNormalize(text[(at + 1)..], out _, out _);
    }

    /// <param name="newWebhookSecret">Null keeps the stored secret, empty removes it, anything else replaces it (stored encrypted).</param>
    public async Task<OperationsSettings> UpdateAsync(AdminActor actor, OperationsSettings input, string? newWebhookSecret = null, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var errors = ValidateFields(input);
        if (newWebhookSecret is { Length: > MaxWebhookSecretLength })
            errors.Add("WebhookSecret", $"Use a secret of at most {MaxWebhookSecretLength} characters.");
        errors.ThrowIfAny();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var settings = await db.OperationsSettings.FirstOrDefaultAsync(cancellationToken);
        string? before = null;
        if (settings is null)
        {
            // The defaults were read as revision 0: the first save makes revision 1, so that read is stale afterwards.
            settings = new OperationsSettings { Revision = 1 };
            db.OperationsSettings.Add(settings);
        }
        else
        {
            if (settings.Revision != input.Revision)
                throw new ConfigurationConflictException("Someone else changed the operations settings after you opened them. Reload and make your change again.");
            before = AuditJson.Serialize(settings);
        }
        settings.Alerts = Normalize(input.Alerts ?? new AlertSettings());
        settings.LogRetention = input.LogRetention ?? new LogRetentionSettings();
        ApplySecret(settings, newWebhookSecret);
        if (before is not null)
            ConfigurationChangeWriter.ExpectRevision(db, settings, input.Revision);
        var change = before is null ? AuditChange.Created(settings) : AuditChange.Updated(before, settings);
        await writer.CommitAsync(db, actor, "Operations settings changed", [change], cancellationToken);
        return settings;
    }

    /// <summary>Null keeps the stored secret, empty removes it, anything else replaces it.</summary>
    internal void ApplySecret(OperationsSettings settings, string? newWebhookSecret)
    {
        if (newWebhookSecret is null)
            return;
        settings.AlertWebhookSecretProtected = newWebhookSecret.Length == 0 ? null : secrets.Protect(newWebhookSecret);
    }

    internal static AlertSettings Normalize(AlertSettings alerts)
    {
        alerts.NotifyAddress = (alerts.NotifyAddress ?? "").Trim();
        alerts.WebhookUrl = (alerts.WebhookUrl ?? "").Trim();
        return alerts;
    }
}
