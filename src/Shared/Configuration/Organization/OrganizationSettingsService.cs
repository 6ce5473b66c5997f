using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Organization-wide settings: retry and expiry timers, default limits, the organization name.</summary>
public sealed class OrganizationSettingsService(IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer)
{
    public async Task<OrganizationSettings> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.OrganizationSettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken) ?? new OrganizationSettings();
    }

    public static ValidationErrors ValidateFields(OrganizationSettings s)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(s.OrganizationName) || s.OrganizationName.Length > 128)
            errors.Add(nameof(s.OrganizationName), "Enter an organization name of at most 128 characters.");
        if (s.TransientRetryIntervalSeconds is < 1 or > 3600)
            errors.Add(nameof(s.TransientRetryIntervalSeconds), "The transient retry interval must be between 1 second and 1 hour.");
        if (s.TransientRetryAttempts is < 0 or > 15)
            errors.Add(nameof(s.TransientRetryAttempts), "Use between 0 and 15 quick retries (Exchange allows 15).");
        if (s.OutboundConnectionFailureRetryIntervalSeconds is < 1 or > 86_400)
            errors.Add(nameof(s.OutboundConnectionFailureRetryIntervalSeconds), "The retry interval after a failed connection must be between 1 second and 1 day.");
        if (s.MessageExpirationTimeoutSeconds is < 60 or > 90 * 86_400)
            errors.Add(nameof(s.MessageExpirationTimeoutSeconds), "Messages must expire between 1 minute and 90 days after they were received.");
        if (s.DelayNotificationTimeoutSeconds < 60 || s.DelayNotificationTimeoutSeconds >= s.MessageExpirationTimeoutSeconds)
            errors.Add(nameof(s.DelayNotificationTimeoutSeconds), "Send the delay notification after at least 1 minute and before the message expires.");
        if (s.MaxReceiveSizeBytes is < 1024 or > 2L * 1024 * 1024 * 1024)
            errors.Add(nameof(s.MaxReceiveSizeBytes), "The maximum receive size must be between 1 KB and 2 GB.");
        if (s.MaxSendSizeBytes is < 1024 or > 2L * 1024 * 1024 * 1024)
            errors.Add(nameof(s.MaxSendSizeBytes), "The maximum send size must be between 1 KB and 2 GB.");
        if (s.MaxRecipientsPerMessage is < 1 or > 100_000)
            errors.Add(nameof(s.MaxRecipientsPerMessage), "Allow between 1 and 100,000 recipients per message.");
        HopCountLimits.Validate(s.MaxHopCount, s.MaxLocalHopCount, nameof(s.MaxHopCount), nameof(s.MaxLocalHopCount), errors);
        ValidateBackPressure(s, errors);
        if (s.DmarcReportsMaxPerDay is < 1 or > 100_000)
            errors.Add(nameof(s.DmarcReportsMaxPerDay), "Send between 1 and 100,000 DMARC reports per day.");
        if (MailboxQuota.ValidateLimit(s.DefaultMailboxQuotaBytes, allowNull: false) is { } quotaError)
            errors.Add(nameof(s.DefaultMailboxQuotaBytes), quotaError);
        if (s.MailboxQuotaWarningPercent is < 50 or > 99)
            errors.Add(nameof(s.MailboxQuotaWarningPercent), "Warn at between 50 and 99 percent of the quota.");
        ValidateOAuth(s, errors);
        ValidateOptionalAddress(s.JournalingReportNdrTo, nameof(s.JournalingReportNdrTo), errors);
        ValidateOptionalAddress(s.ModerationReplyAddress, nameof(s.ModerationReplyAddress), errors);
        ValidatePickup(s, errors);
        return errors;
    }

    private static void ValidateOAuth(OrganizationSettings s, ValidationErrors errors)
    {
        var issuer = s.OAuthIssuer?.Trim() ?? "";
        if (issuer.Length > 0 && (issuer.Length > 512 || !Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)))
            errors.Add(nameof(s.OAuthIssuer), "Enter the issuer as the https URL its tokens carry in 'iss' (e.g. https://login.example.com/tenant/v2.0), or leave it empty to turn OAuth submission off.");
        if (issuer.Length > 0 && string.IsNullOrWhiteSpace(s.OAuthAudience))
            errors.Add(nameof(s.OAuthAudience), "Enter the audience (aud) the issuer puts in tokens meant for Mailflow.");
        if ((s.OAuthAudience?.Length ?? 0) > 512)
            errors.Add(nameof(s.OAuthAudience), "The audience may be at most 512 characters.");
        if (!OAuthAddressClaims.All.Contains(s.OAuthAddressClaim))
            errors.Add(nameof(s.OAuthAddressClaim), $"Choose the claim with the user's address: {string.Join(", ", OAuthAddressClaims.All)}.");
        if (s.OAuthClockSkewSeconds is < 0 or > 900)
            errors.Add(nameof(s.OAuthClockSkewSeconds), "Allow between 0 seconds and 15 minutes of clock skew.");
    }

    private static void ValidateOptionalAddress(string? address, string field, ValidationErrors errors)
    {
        if (!string.IsNullOrWhiteSpace(address) && !MailAddressRules.TryNormalize(address, out _, out var error))
            errors.Add(field, error!);
    }

    private static string NormalizeOptionalAddress(string? address) =>
        MailAddressRules.TryNormalize(address, out var normalized, out _) ? normalized : "";

    private static void ValidatePickup(OrganizationSettings s, ValidationErrors errors)
    {
        var path = (s.PickupDirectoryPath ?? "").Trim();
        if (path.Length > 0 && (path.Length > 400 || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || path.Contains('\0')))
            errors.Add(nameof(s.PickupDirectoryPath), "Enter a directory path of at most 400 characters (absolute, or relative to the data directory), or leave it empty for <data directory>/pickup.");
        if (s.PickupMaxMessageSizeBytes is < 1024 or > 2L * 1024 * 1024 * 1024)
            errors.Add(nameof(s.PickupMaxMessageSizeBytes), "The largest pickup file must be between 1 KB and 2 GB.");
        if (s.PickupMaxFilesPerMinute is < 1 or > 100_000)
            errors.Add(nameof(s.PickupMaxFilesPerMinute), "Submit between 1 and 100,000 pickup files per minute.");
    }

    private static void ValidateBackPressure(OrganizationSettings s, ValidationErrors errors)
    {
        if (s.BackPressureDiskFreeHighMegabytes is < 0 or > 10_000_000)
            errors.Add(nameof(s.BackPressureDiskFreeHighMegabytes), "Enter between 0 (off) and 10,000,000 MB.");
        if (s.BackPressureDiskFreeMediumMegabytes is < 0 or > 10_000_000 || (s.BackPressureDiskFreeMediumMegabytes > 0 && s.BackPressureDiskFreeMediumMegabytes < s.BackPressureDiskFreeHighMegabytes))
            errors.Add(nameof(s.BackPressureDiskFreeMediumMegabytes), "Enter between 0 (off) and 10,000,000 MB, and at least the high threshold (less free space is worse).");
        if (s.BackPressureMemoryHighPercent is < 0 or > 100)
            errors.Add(nameof(s.BackPressureMemoryHighPercent), "Enter a percentage between 0 (off) and 100.");
        if (s.BackPressureMemoryMediumPercent is < 0 or > 100 || (s.BackPressureMemoryHighPercent > 0 && s.BackPressureMemoryMediumPercent > s.BackPressureMemoryHighPercent))
            errors.Add(nameof(s.BackPressureMemoryMediumPercent), "Enter a percentage between 0 (off) and 100, not above the high threshold.");
        if (s.BackPressureSubmissionHigh is < 0 or > 10_000_000)
            errors.Add(nameof(s.BackPressureSubmissionHigh), "Enter between 0 (off) and 10,000,000 messages.");
        if (s.BackPressureSubmissionMedium is < 0 or > 10_000_000 || (s.BackPressureSubmissionHigh > 0 && s.BackPressureSubmissionMedium > s.BackPressureSubmissionHigh))
            errors.Add(nameof(s.BackPressureSubmissionMedium), "Enter between 0 (off) and 10,000,000 messages, not above the high threshold.");
        if (s.BackPressureHysteresisPercent is < 0 or > 50)
            errors.Add(nameof(s.BackPressureHysteresisPercent), "Enter a hysteresis between 0 and 50 percent.");
    }

    public async Task<OrganizationSettings> UpdateAsync(AdminActor actor, OrganizationSettings input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        ValidateFields(input).ThrowIfAny();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var settings = await db.OrganizationSettings.FirstOrDefaultAsync(cancellationToken);
        string? before = null;
        if (settings is null)
        {
            settings = new OrganizationSettings();
            db.OrganizationSettings.Add(settings);
        }
        else
        {
            if (settings.Revision != input.Revision)
                throw new ConfigurationConflictException("Someone else changed the organization settings after you opened them. Reload and make your change again.");
            before = AuditJson.Serialize(settings);
        }
        settings.OrganizationName = input.OrganizationName.Trim();
        settings.TransientRetryIntervalSeconds = input.TransientRetryIntervalSeconds;
        settings.TransientRetryAttempts = input.TransientRetryAttempts;
        settings.OutboundConnectionFailureRetryIntervalSeconds = input.OutboundConnectionFailureRetryIntervalSeconds;
        settings.DelayNotificationTimeoutSeconds = input.DelayNotificationTimeoutSeconds;
        settings.MessageExpirationTimeoutSeconds = input.MessageExpirationTimeoutSeconds;
        settings.MaxReceiveSizeBytes = input.MaxReceiveSizeBytes;
        settings.MaxSendSizeBytes = input.MaxSendSizeBytes;
        settings.MaxRecipientsPerMessage = input.MaxRecipientsPerMessage;
        settings.MaxHopCount = input.MaxHopCount;
        settings.MaxLocalHopCount = input.MaxLocalHopCount;
        settings.BackPressureEnabled = input.BackPressureEnabled;
        settings.BackPressureDiskFreeMediumMegabytes = input.BackPressureDiskFreeMediumMegabytes;
        settings.BackPressureDiskFreeHighMegabytes = input.BackPressureDiskFreeHighMegabytes;
        settings.BackPressureMemoryMediumPercent = input.BackPressureMemoryMediumPercent;
        settings.BackPressureMemoryHighPercent = input.BackPressureMemoryHighPercent;
        settings.BackPressureSubmissionMedium = input.BackPressureSubmissionMedium;
        settings.BackPressureSubmissionHigh = input.BackPressureSubmissionHigh;
        settings.BackPressureHysteresisPercent = input.BackPressureHysteresisPercent;
        settings.ArcSealingEnabled = input.ArcSealingEnabled;
        settings.DmarcReportsEnabled = input.DmarcReportsEnabled;
        settings.DmarcReportsMaxPerDay = input.DmarcReportsMaxPerDay;
        settings.DefaultMailboxQuotaBytes = input.DefaultMailboxQuotaBytes;
        settings.MailboxQuotaWarningPercent = input.MailboxQuotaWarningPercent;
        settings.OAuthIssuer = input.OAuthIssuer.Trim();
        settings.OAuthAudience = input.OAuthAudience.Trim();
        settings.OAuthAddressClaim = input.OAuthAddressClaim;
        settings.OAuthClockSkewSeconds = input.OAuthClockSkewSeconds;
        settings.JournalingReportNdrTo = NormalizeOptionalAddress(input.JournalingReportNdrTo);
        settings.ModerationReplyAddress = NormalizeOptionalAddress(input.ModerationReplyAddress);

        settings.PickupEnabled = input.PickupEnabled;
        settings.PickupDirectoryPath = string.IsNullOrWhiteSpace(input.PickupDirectoryPath) ? null : input.PickupDirectoryPath.Trim();
        settings.PickupMaxMessageSizeBytes = input.PickupMaxMessageSizeBytes;
        settings.PickupMaxFilesPerMinute = input.PickupMaxFilesPerMinute;
        if (before is not null)
            ConfigurationChangeWriter.ExpectRevision(db, settings, input.Revision);
        var change = before is null ? AuditChange.Created(settings) : AuditChange.Updated(before, settings);
        await writer.CommitAsync(db, actor, "Organization settings changed", [change], cancellationToken);
        return settings;
    }
}
