using System.Net;
using System.Threading.Channels;
using Mailflow.Dmarc;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Spf;

namespace Mailflow.Server.Transport.Authentication.Dmarc.Reports;

/// <summary>
/// Counts the inbound DMARC evaluations that found a policy (pass or fail) per day and source, for the
/// aggregate reports we send (RFC 7489 §7.2). The SMTP session only drops an observation into a bounded
/// buffer; a background loop writes them to the store in batches, so end of DATA never waits on it.
/// Observations are statistics: a full buffer or a crash loses some, never a message.
/// </summary>
public sealed class DmarcObservationCollector(DmarcReportService store, TimeProvider time, ILogger<DmarcObservationCollector> logger) : BackgroundService
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(10);
    private readonly Channel<DmarcObservation> _pending = Channel.CreateBounded<DmarcObservation>(
        new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Record(IPAddress client, SenderAuthenticationResult result)
    {
        var dmarc = result.Dmarc;
        if (dmarc.Result is not (DmarcResult.Pass or DmarcResult.Fail) || dmarc.Record is null || dmarc.RecordDomain is null)
            return;
        var dkim = result.Dkim.FirstOrDefault(d => d.Result == DkimResult.Pass) ?? result.Dkim.FirstOrDefault();
        var now = time.GetUtcNow();
        _pending.Writer.TryWrite(new DmarcObservation
        {
            Day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero),
            PolicyDomain = dmarc.RecordDomain,
            HeaderFrom = dmarc.FromDomain,
            SourceIp = (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString(),
            Disposition = dmarc.Disposition.ToText(),
            DkimAligned = dmarc.DkimAligned ? "pass" : "fail",
            SpfAligned = dmarc.SpfAligned ? "pass" : "fail",
            DkimDomain = dkim?.Domain ?? "",
            DkimResult = dkim?.ResultText ?? "none",
            SpfDomain = result.Spf.Domain,
            SpfResult = result.Spf.ResultText,
            Count = 1,
        });
    }

    /// <summary>Writes what is buffered, summed per key. The loop calls it; tests call it to see the rows at once.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new Dictionary<(DateTimeOffset, string, string, string, string, string, string, string, string, string, string), DmarcObservation>();
        while (batch.Count < 5_000 && _pending.Reader.TryRead(out var o))
        {
            var key = (o.Day, o.PolicyDomain, o.HeaderFrom, o.SourceIp, o.Disposition, o.DkimAligned, o.SpfAligned, o.DkimDomain, o.DkimResult, o.SpfDomain, o.SpfResult);
            if (batch.TryGetValue(key, out var existing))
                existing.Count += o.Count;
            else
                batch[key] = o;
        }
        await store.RecordObservationsAsync(batch.Values, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "DMARC observations could not be written; they are dropped");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
