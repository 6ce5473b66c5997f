using System.Net;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Dmarc;
using Mailflow.Queue;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Queue;
using Mailflow.Smtp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Transport.Authentication.Dmarc.Reports;

/// <summary>
/// Sends the daily DMARC aggregate reports (RFC 7489 §7.2) when the organization turned them on (off
/// by default): for each domain and finished UTC day we counted observations for, the domain's current
/// DMARC record gives the rua= mailto: addresses; an address in another organizational domain is used
/// only when that domain authorizes it (§7.1: a "v=DMARC1" TXT record at
/// <c>&lt;domain&gt;._report._dmarc.&lt;rua-domain&gt;</c>). The report is gzip XML in a message queued
/// like our own notifications (so it is routed, DKIM-signed and tracked). At most
/// <see cref="OrganizationSettings.DmarcReportsMaxPerDay"/> reports per node and day; the rest wait.
/// Observations are claimed (deleted) before sending, so two nodes never send the same report.
/// </summary>
public sealed class DmarcReportSender(
    IDbContextFactory<MailflowDbContext> dbFactory, TransportConfigProvider config, AuthenticationDns dns, DmarcEvaluator dmarc,
    StoreMessageSink sink, IOptions<MailflowOptions> options, TimeProvider time, ILogger<DmarcReportSender> logger) : BackgroundService
{
    public const string MailboxLocalPart = "dmarc-reports";
    /// <summary>Observations of days this old are dropped when their domain's record could not be read.</summary>
    private static readonly TimeSpan KeepUnsent = TimeSpan.FromDays(7);
    private DateTimeOffset _countingDay;
    private int _sentToday;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        try
        {
            do
            {
                try
                {
                    await SendDueReportsAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Sending DMARC aggregate reports failed; the next run tries again");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <returns>The queue ids of the reports queued in this run.</returns>
    public async Task<IReadOnlyList<string>> SendDueReportsAsync(CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        if (!snapshot.Organization.DmarcReportsEnabled)
            return [];
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        if (_countingDay != today)
            (_countingDay, _sentToday) = (today, 0);
        List<(DateTimeOffset Day, string Domain)> due;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            due = (await db.DmarcObservations.AsNoTracking().Where(o => o.Day < today)
                    .Select(o => new { o.Day, o.PolicyDomain }).Distinct().ToListAsync(cancellationToken))
                .Select(x => (x.Day, x.PolicyDomain)).OrderBy(x => x.Day).ToList();
        var queued = new List<string>();
        foreach (var (day, domain) in due)
        {
            if (_sentToday >= snapshot.Organization.DmarcReportsMaxPerDay)
            {
                logger.LogInformation("The daily limit of {Limit} DMARC reports is reached; the rest are sent tomorrow", snapshot.Organization.DmarcReportsMaxPerDay);
                break;
            }
            if (await SendAsync(snapshot, day, domain, now, cancellationToken) is { } queueId)
            {
                queued.Add(queueId);
                _sentToday++;
            }
        }
        return queued;
    }

    private async Task<string?> SendAsync(TransportConfig snapshot, DateTimeOffset day, string domain, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lookup = await dns.TxtAsync("_dmarc." + domain, cancellationToken);
        if (lookup.Failed && now - day < KeepUnsent)
            return null;
        DmarcRecord? record = null;
        if (lookup.Records.Where(DmarcRecord.IsDmarcRecord).ToArray() is [var text])
        {
            try
            {
                record = DmarcRecord.Parse(text);
            }
            catch (FormatException)
            {
                // No usable record: nobody to report to.
            }
        }
        var recipients = record is null ? [] : await AuthorizedRecipientsAsync(domain, record, cancellationToken);
        var rows = await ClaimAsync(day, domain, cancellationToken);
        if (rows.Count == 0 || recipients.Count == 0 || record is null)
            return null;

        var submitter = snapshot.DefaultDomain?.DomainName ?? options.Value.DefaultDomain;
        var from = $"{MailboxLocalPart}@{submitter}";
        var report = new AggregateReport(submitter, from, $"{domain}.{day:yyyyMMdd}.{Guid.NewGuid():N}", day, day.AddDays(1).AddSeconds(-1),
            new PublishedPolicy(domain, record.DkimAlignment == DmarcAlignment.Strict ? "s" : "r", record.SpfAlignment == DmarcAlignment.Strict ? "s" : "r",
                record.Policy.ToText(), (record.SubdomainPolicy ?? record.Policy).ToText(), record.Percent),
            [.. rows.GroupBy(r => (r.SourceIp, r.HeaderFrom, r.Disposition, r.DkimAligned, r.SpfAligned, r.DkimDomain, r.DkimResult, r.SpfDomain, r.SpfResult))
                .Select(g => new AggregateReportRecord(g.Key.SourceIp, g.Sum(r => r.Count), g.Key.Disposition, g.Key.DkimAligned, g.Key.SpfAligned, g.Key.HeaderFrom,
                    g.Key.DkimDomain.Length == 0 ? [] : [new DkimAuthResult(g.Key.DkimDomain, null, g.Key.DkimResult)],
                    [new SpfAuthResult(g.Key.SpfDomain, "mfrom", g.Key.SpfResult)]))]);
        var message = AggregateReportMessage.Build(report, options.Value.ResolvedFqdn, snapshot.Organization.OrganizationName, recipients, now);
        using var buffer = new MemoryStream();
        await message.WriteToAsync(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, buffer, cancellationToken);
        var envelope = new MessageEnvelope(from, [.. recipients.Select(r => new EnvelopeRecipient(r))], BodyType.SevenBit, SmtpUtf8: false,
            DsnReturn.Headers, DsnEnvelopeId: null,
            new ClientInfo(IPAddress.Loopback, 0, new IPEndPoint(IPAddress.Loopback, 0), options.Value.ResolvedFqdn, null, null, null),
            DeliveryNotifier.SubmissionConnectorId, "Mailflow DMARC reports", now, options.Value.ResolvedNodeName, MessageOrigin.Notification);
        await using var transaction = await sink.BeginAsync(envelope, cancellationToken);
        await transaction.WriteAsync(buffer.ToArray(), cancellationToken);
        var queueId = await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("DMARC aggregate report for {Domain} ({Day:yyyy-MM-dd}, {Records} records) queued as {QueueId} to {Recipients}",
            domain, day, report.Records.Count, queueId, string.Join(", ", recipients));
        return queueId;
    }

    /// <summary>The rua mailto: addresses we may send to: same organizational domain, or authorized by the receiving domain (§7.1).</summary>
    private async Task<IReadOnlyList<string>> AuthorizedRecipientsAsync(string domain, DmarcRecord record, CancellationToken cancellationToken)
    {
        var recipients = new List<string>();
        foreach (var uri in record.AggregateReportAddresses)
        {
            if (!uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
                continue;
            var address = Uri.UnescapeDataString(uri["mailto:".Length..].Split('?')[0]).Trim();
            var target = DomainName.OfAddress(address);
            if (!DomainName.IsValid(target) || recipients.Contains(address, StringComparer.OrdinalIgnoreCase))
                continue;
            if (dmarc.OrganizationalDomain(target) != dmarc.OrganizationalDomain(domain))
            {
                var authorization = await dns.TxtAsync($"{domain}._report._dmarc.{target}", cancellationToken);
                if (!authorization.Records.Any(DmarcRecord.IsDmarcRecord))
                {
                    logger.LogInformation("{Target} does not accept DMARC reports about {Domain} (no {Domain}._report._dmarc.{Target} record); {Address} is skipped",
                        target, domain, domain, target, address);
                    continue;
                }
            }
            recipients.Add(address);
        }
        return recipients;
    }

    /// <summary>Takes the day's observations of the domain out of the store; another node that took them first leaves this one nothing.</summary>
    private async Task<IReadOnlyList<DmarcObservation>> ClaimAsync(DateTimeOffset day, string domain, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.DmarcObservations.AsNoTracking().Where(o => o.Day == day && o.PolicyDomain == domain).ToListAsync(cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var claimed = await db.DmarcObservations.Where(o => ids.Contains(o.Id)).ExecuteDeleteAsync(cancellationToken);
        return claimed == rows.Count ? rows : [];
    }
}
