using System.Globalization;

namespace Mailflow.Configuration;

/// <summary>
/// Mailbox quotas, one definition: which limit applies to a mailbox (its own, else the
/// organization's default; 0 = none), what "nearly full" and "full" mean, and the limits an admin
/// may set. Only Maildir mailboxes have one here: an LMTP or SMTP mailbox server keeps its own.
/// </summary>
public static class MailboxQuota
{
    public const long MinimumBytes = 1024 * 1024;
    public const long MaximumBytes = 16L * 1024 * 1024 * 1024 * 1024;

    /// <returns>The limit in bytes, or null when the mailbox has none (or is no Maildir mailbox).</returns>
    public static long? LimitOf(Recipient recipient, OrganizationSettings organization)
    {
        if (recipient is not { Kind: RecipientKind.Mailbox, DeliveryKind: MailboxDeliveryKind.Maildir })
            return null;
        var limit = recipient.QuotaBytes ?? organization.DefaultMailboxQuotaBytes;
        return limit > 0 ? limit : null;
    }

    /// <returns>The error to show next to the field, or null when <paramref name="bytes"/> is a valid limit (0 = none).</returns>
    public static string? ValidateLimit(long? bytes, bool allowNull) => bytes switch
    {
        null when allowNull => null,
        null => "Enter a quota (0 for none).",
        0 => null,
        < MinimumBytes or > MaximumBytes => "Enter a quota between 1 MB and 16 TB, or 0 for no limit.",
        _ => null,
    };

    /// <summary>Bytes for people: 1.5 GB, 512 MB, 12 KB.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };
}

/// <summary>A mailbox's measured size against its quota.</summary>
/// <param name="LimitBytes">null = no limit.</param>
public sealed record MailboxUsage(long UsedBytes, long? LimitBytes, int WarningPercent)
{
    /// <summary>Share of the quota in use, 0–100 (capped); null without a limit.</summary>
    public double? Percent => LimitBytes is { } limit ? Math.Min(100, UsedBytes * 100.0 / limit) : null;

    public bool IsFull => LimitBytes is { } limit && UsedBytes >= limit;

    public bool IsNearlyFull => !IsFull && Percent >= WarningPercent;

    /// <summary>Whether a message of <paramref name="size"/> bytes still fits.</summary>
    public bool Fits(long size) => LimitBytes is not { } limit || UsedBytes + size <= limit;

    public string Describe() => LimitBytes is { } limit
        ? $"{MailboxQuota.Format(UsedBytes)} of {MailboxQuota.Format(limit)} ({Percent:0} %){(IsFull ? ": full" : IsNearlyFull ? ": nearly full" : "")}"
        : $"{MailboxQuota.Format(UsedBytes)} (no limit)";
}

/// <summary>The current size of mailboxes this node delivers to (implemented by the server, read by the admin center and the API).</summary>
public interface IMailboxUsage
{
    /// <returns>null when the recipient is no Maildir mailbox, or its folder cannot be read here.</returns>
    MailboxUsage? Find(Recipient recipient);
}
