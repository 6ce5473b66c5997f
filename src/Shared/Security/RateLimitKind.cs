using Mailflow.Configuration;

namespace Mailflow.Security;

/// <summary>What a rate limit counts, and under which key.</summary>
public enum RateLimitKind
{
    ConnectionsPerIp,
    MessagesPerIp,
    SenderMessagesPerMinute,
    SenderMessagesPerHour,
    SenderMessagesPerDay,
    SenderRecipientsPerMinute,
    SenderRecipientsPerHour,
    SenderRecipientsPerDay,
    OutboundMessagesPerDomain,
}

/// <summary>The one definition of each rate limit: its window, what its key is, its setting (read and written) and its name for people.</summary>
public sealed record RateLimitDefinition(RateLimitKind Kind, TimeSpan Window, string KeyDescription, string DisplayName, string SettingName, Func<RateLimitSettings, int?> Limit, Action<RateLimitSettings, int?> SetLimit)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1), Hour = TimeSpan.FromHours(1), Day = TimeSpan.FromDays(1);

    public static IReadOnlyList<RateLimitDefinition> All { get; } =
    [
        new(RateLimitKind.ConnectionsPerIp, Minute, "client address", "Connections per client address per minute", nameof(RateLimitSettings.ConnectionsPerIpPerMinute), s => s.ConnectionsPerIpPerMinute, (s, v) => s.ConnectionsPerIpPerMinute = v),
        new(RateLimitKind.MessagesPerIp, Minute, "client address", "Messages per client address per minute", nameof(RateLimitSettings.MessagesPerIpPerMinute), s => s.MessagesPerIpPerMinute, (s, v) => s.MessagesPerIpPerMinute = v),
        new(RateLimitKind.SenderMessagesPerMinute, Minute, "sender", "Messages per sender per minute", nameof(RateLimitSettings.SenderMessagesPerMinute), s => s.SenderMessagesPerMinute, (s, v) => s.SenderMessagesPerMinute = v),
        new(RateLimitKind.SenderMessagesPerHour, Hour, "sender", "Messages per sender per hour", nameof(RateLimitSettings.SenderMessagesPerHour), s => s.SenderMessagesPerHour, (s, v) => s.SenderMessagesPerHour = v),
        new(RateLimitKind.SenderMessagesPerDay, Day, "sender", "Messages per sender per day", nameof(RateLimitSettings.SenderMessagesPerDay), s => s.SenderMessagesPerDay, (s, v) => s.SenderMessagesPerDay = v),
        new(RateLimitKind.SenderRecipientsPerMinute, Minute, "sender", "Recipients per sender per minute", nameof(RateLimitSettings.SenderRecipientsPerMinute), s => s.SenderRecipientsPerMinute, (s, v) => s.SenderRecipientsPerMinute = v),
        new(RateLimitKind.SenderRecipientsPerHour, Hour, "sender", "Recipients per sender per hour", nameof(RateLimitSettings.SenderRecipientsPerHour), s => s.SenderRecipientsPerHour, (s, v) => s.SenderRecipientsPerHour = v),
        new(RateLimitKind.SenderRecipientsPerDay, Day, "sender", "Recipients per sender per day", nameof(RateLimitSettings.SenderRecipientsPerDay), s => s.SenderRecipientsPerDay, (s, v) => s.SenderRecipientsPerDay = v),
        new(RateLimitKind.OutboundMessagesPerDomain, Minute, "destination domain", "Outbound messages per destination domain per minute", nameof(RateLimitSettings.OutboundMessagesPerDomainPerMinute), s => s.OutboundMessagesPerDomainPerMinute, (s, v) => s.OutboundMessagesPerDomainPerMinute = v),
    ];

    public static RateLimitDefinition Of(RateLimitKind kind) => All[(int)kind];

    /// <summary>"minute", "hour" or "day", for reply texts.</summary>
    public string WindowName => Window == Day ? "day" : Window == Hour ? "hour" : "minute";
}
