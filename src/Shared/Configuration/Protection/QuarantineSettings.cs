namespace Mailflow.Configuration;

/// <summary>The quarantine: how long held messages are kept (Exchange Online keeps them 15 days by default, at most 30).</summary>
public sealed class QuarantineSettings
{
    public const int MaxRetentionDays = 365;

    /// <summary>A message held longer than this is deleted by the background cleanup (without an NDR).</summary>
    public int RetentionDays { get; set; } = 15;
}
