using Mailflow.Data;
using Mailflow.Security;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>The protection settings (DNS block lists, Rspamd, ClamAV): one object, validated as a whole, saved with audit and a new generation.</summary>
public sealed class ProtectionSettingsService(IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer)
{
    public async Task<ProtectionSettings> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ProtectionSettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken) ?? new ProtectionSettings();
    }

    /// <summary>Field keys are dotted paths the admin center and the API show messages under, e.g. <c>ConnectionFilter.Zones[1].Zone</c>.</summary>
    public static ValidationErrors ValidateFields(ProtectionSettings s)
    {
        var errors = new ValidationErrors();
        var filter = s.ConnectionFilter ?? new ConnectionFilterSettings();
        if (!Enum.IsDefined(filter.CheckAt))
            errors.Add("ConnectionFilter.CheckAt", "Choose Connect or Recipient.");
        if (filter.Threshold is < 1 or > 1000)
            errors.Add("ConnectionFilter.Threshold", "The threshold must be between 1 and 1000.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < filter.Zones.Count; i++)
        {
            var zone = filter.Zones[i];
            var key = $"ConnectionFilter.Zones[{i}]";
            if (!DomainNameRules.TryNormalize(zone.Zone, out var name, out var error))
                errors.Add(key + ".Zone", error!);
            else if (!seen.Add(name))
                errors.Add(key + ".Zone", $"{name} is listed twice.");
            if (zone.Weight is < -100 or > 100 or 0)
                errors.Add(key + ".Weight", "The weight must be between -100 and 100 and not 0 (a negative weight makes a listing count in the client's favour).");
            foreach (var code in zone.ReturnCodes)
                if (!DnsBlockListCodes.TryParse(code, out _))
                    errors.Add(key + ".ReturnCodes", $"{code} is not an IPv4 address (127.0.0.2) or range (127.0.0.4-127.0.0.7).");
        }

        var spam = s.AntiSpam ?? new AntiSpamSettings();
        if (!IsHttpUrl(spam.RspamdUrl))
            errors.Add("AntiSpam.RspamdUrl", "Enter Rspamd's address as an http:// or https:// URL, e.g. http://127.0.0.1:11333.");
        if (!string.IsNullOrWhiteSpace(spam.ControllerUrl) && !IsHttpUrl(spam.ControllerUrl))
            errors.Add("AntiSpam.ControllerUrl", "Enter Rspamd's controller as an http:// or https:// URL, e.g. http://127.0.0.1:11334, or leave it empty.");
        if (spam.TimeoutMilliseconds is < 100 or > 120_000)
            errors.Add("AntiSpam.TimeoutMilliseconds", "The time limit must be between 0.1 and 120 seconds.");
        if (!Enum.IsDefined(spam.OnFailure))
            errors.Add("AntiSpam.OnFailure", "Choose TempFail or AcceptAndTag.");
        foreach (var (field, score) in new[] { ("AddHeaderScore", spam.AddHeaderScore), ("PrependSubjectScore", spam.PrependSubjectScore), ("QuarantineScore", spam.QuarantineScore), ("RejectScore", spam.RejectScore) })
            if (score is { } value && (double.IsNaN(value) || value is < -1000 or > 1000))
                errors.Add("AntiSpam." + field, "Enter a score between -1000 and 1000, or leave it empty.");
        if (string.IsNullOrWhiteSpace(spam.SubjectPrefix) || spam.SubjectPrefix.Length > 64 || spam.SubjectPrefix.Any(char.IsControl))
            errors.Add("AntiSpam.SubjectPrefix", "Enter a subject prefix of 1 to 64 characters on one line.");
        ValidateReplyText(errors, "AntiSpam.RejectText", spam.RejectText);

        var malware = s.AntiMalware ?? new AntiMalwareSettings();
        if (!ClamdAddress.TryParse(malware.ClamdAddress, out _, out var clamdError))
            errors.Add("AntiMalware.ClamdAddress", clamdError!);
        if (malware.TimeoutMilliseconds is < 100 or > 300_000)
            errors.Add("AntiMalware.TimeoutMilliseconds", "The time limit must be between 0.1 and 300 seconds.");
        if (!Enum.IsDefined(malware.OnInfected))
            errors.Add("AntiMalware.OnInfected", "Choose Reject or Quarantine.");
        if (!Enum.IsDefined(malware.OnFailure))
            errors.Add("AntiMalware.OnFailure", "Choose TempFail or AcceptAndTag.");
        if (malware.MaxScanSizeBytes is < 1024 or > 2L * 1024 * 1024 * 1024)
            errors.Add("AntiMalware.MaxScanSizeBytes", "The largest message to scan must be between 1 KB and 2 GB.");
        ValidateReplyText(errors, "AntiMalware.RejectText", malware.RejectText);

        var senders = s.SenderFilter ?? new SenderFilterSettings();
        foreach (var address in senders.BlockedSenders)
        {
            var at = address.LastIndexOf('@');
            if (at <= 0 || !DomainNameRules.TryNormalize(address[(at + 1)..], out _, out _) || address.Any(char.IsWhiteSpace))
                errors.Add("SenderFilter.BlockedSenders", $"{address} is not an email address.");
        }
        foreach (var address in senders.AllowedSenders ?? [])
        {
            var at = address.LastIndexOf('@');
            if (at <= 0 || !DomainNameRules.TryNormalize(address[(at + 1)..], out _, out _) || address.Any(char.IsWhiteSpace))
                errors.Add("SenderFilter.AllowedSenders", $"{address} is not an email address.");
        }
        foreach (var domain in senders.BlockedSenderDomains)
            if (!DomainNameRules.TryNormalize(domain.StartsWith("*.", StringComparison.Ordinal) ? domain[2..] : domain, out _, out var domainError))
                errors.Add("SenderFilter.BlockedSenderDomains", $"{domain}: {domainError}");
        if (!Enum.IsDefined(senders.AntiSpoofing))
            errors.Add("SenderFilter.AntiSpoofing", "Choose Off, Reject or Tag.");

        var limits = s.RateLimits ?? new RateLimitSettings();
        foreach (var definition in RateLimitDefinition.All)
            if (definition.Limit(limits) is { } limit && limit is < 1 or > RateLimitSettings.MaxLimit)
                errors.Add("RateLimits." + definition.SettingName, $"Enter a number from 1 to {RateLimitSettings.MaxLimit:N0}, or leave it empty for no limit.");
        if ((s.Quarantine ?? new QuarantineSettings()).RetentionDays is < 1 or > QuarantineSettings.MaxRetentionDays)
            errors.Add("Quarantine.RetentionDays", $"Keep quarantined messages from 1 to {QuarantineSettings.MaxRetentionDays} days.");
        return errors;
    }

    public async Task<ProtectionSettings> UpdateAsync(AdminActor actor, ProtectionSettings input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        ValidateFields(input).ThrowIfAny();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var settings = await db.ProtectionSettings.FirstOrDefaultAsync(cancellationToken);
        string? before = null;
        if (settings is null)
        {
            // The defaults were read as revision 0: the first save makes revision 1, so that read is stale afterwards.
            settings = new ProtectionSettings { Revision = 1 };
            db.ProtectionSettings.Add(settings);
        }
        else
        {
            if (settings.Revision != input.Revision)
                throw new ConfigurationConflictException("Someone else changed the protection settings after you opened them. Reload and make your change again.");
            before = AuditJson.Serialize(settings);
        }
        settings.ConnectionFilter = Normalize(input.ConnectionFilter);
        settings.AntiSpam = input.AntiSpam;
        settings.AntiMalware = input.AntiMalware;
        settings.SenderFilter = Normalize(input.SenderFilter ?? new SenderFilterSettings());
        settings.RateLimits = input.RateLimits ?? new RateLimitSettings();
        settings.Quarantine = input.Quarantine ?? new QuarantineSettings();
        if (before is not null)
            ConfigurationChangeWriter.ExpectRevision(db, settings, input.Revision);
        var change = before is null ? AuditChange.Created(settings) : AuditChange.Updated(before, settings);
        await writer.CommitAsync(db, actor, "Protection settings changed", [change], cancellationToken);
        return settings;
    }

    private static ConnectionFilterSettings Normalize(ConnectionFilterSettings filter)
    {
        foreach (var zone in filter.Zones)
        {
            DomainNameRules.TryNormalize(zone.Zone, out var name, out _);
            zone.Zone = name;
            zone.ReturnCodes = [.. zone.ReturnCodes.Select(c => c.Trim()).Where(c => c.Length > 0)];
        }
        return filter;
    }

    private static SenderFilterSettings Normalize(SenderFilterSettings senders)
    {
        senders.BlockedSenders = [.. senders.BlockedSenders.Select(a => a.Trim().ToLowerInvariant()).Where(a => a.Length > 0).Distinct()];
        senders.AllowedSenders = [.. (senders.AllowedSenders ?? []).Select(a => a.Trim().ToLowerInvariant()).Where(a => a.Length > 0).Distinct()];
        senders.BlockedSenderDomains = [.. senders.BlockedSenderDomains.Select(d => d.Trim().TrimEnd('.').ToLowerInvariant()).Where(d => d.Length > 0).Distinct()];
        return senders;
    }

    private static void ValidateReplyText(ValidationErrors errors, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 200 || text.Any(c => c < ' ' || c > '~'))
            errors.Add(field, "Enter a reply text of 1 to 200 printable ASCII characters on one line.");
    }

    private static bool IsHttpUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
