using System.Collections.Concurrent;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Deliver.Local;

/// <summary>
/// The size of each Maildir mailbox (the files under <c>new/</c> and <c>cur/</c>; <c>tmp/</c> holds
/// deliveries under way), against its quota (<see cref="MailboxQuota"/>). A folder is walked at most
/// once per <see cref="MeasureInterval"/>: RCPT checks and deliveries read the cached figure, our own
/// deliveries add to it at once, and what a mail client deletes or Dovecot expunges shows at the next
/// walk. The cache holds one entry per mailbox folder that was asked about.
/// </summary>
public sealed class MaildirUsage(TransportConfigProvider config, MaildirLocation maildirs, TimeProvider time) : IMailboxUsage
{
    public static readonly TimeSpan MeasureInterval = TimeSpan.FromSeconds(30);

    private sealed record Measurement(long Bytes, DateTimeOffset MeasuredAt);

    private readonly ConcurrentDictionary<string, Measurement> _byFolder = new(StringComparer.Ordinal);

    public MailboxUsage? Find(Recipient recipient)
    {
        if (recipient is not { Kind: RecipientKind.Mailbox, DeliveryKind: MailboxDeliveryKind.Maildir } || maildirs.Resolve(recipient.DeliveryTarget, out _) is not { } folder)
            return null;
        var organization = config.Current.Organization;
        return new MailboxUsage(UsedBytes(folder), MailboxQuota.LimitOf(recipient, organization), organization.MailboxQuotaWarningPercent);
    }

    /// <summary>The folder's size, measured now when the last measurement is older than <see cref="MeasureInterval"/>.</summary>
    public long UsedBytes(string folder)
    {
        var now = time.GetUtcNow();
        if (_byFolder.TryGetValue(folder, out var known) && now - known.MeasuredAt < MeasureInterval)
            return known.Bytes;
        var measured = new Measurement(Measure(folder), now);
        _byFolder[folder] = measured;
        return measured.Bytes;
    }

    /// <summary>Measures every folder again at the next question (after a mailbox was emptied or restored outside Mailflow).</summary>
    public void Forget() => _byFolder.Clear();

    /// <summary>A message we just wrote into <paramref name="folder"/>: counted without walking the folder again.</summary>
    public void Added(string folder, long bytes) =>
        _byFolder.AddOrUpdate(folder, _ => new Measurement(bytes, DateTimeOffset.MinValue), (_, m) => m with { Bytes = m.Bytes + bytes });

    private static long Measure(string folder)
    {
        long total = 0;
        foreach (var sub in (string[])["new", "cur"])
        {
            var path = Path.Combine(folder, sub);
            if (!Directory.Exists(path))
                continue;
            try
            {
                foreach (var file in new DirectoryInfo(path).EnumerateFiles())
                    total += file.Length;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // A file removed while we looked, or a folder we may not read: count what we saw.
            }
        }
        return total;
    }
}
