namespace Mailflow.Configuration;

/// <summary>
/// An authenticated sender that may not send until an admin unblocks it: stored (not kept in one
/// node's memory) so every node refuses it from its next configuration generation on.
/// </summary>
public sealed class BlockedSender : IConfigurationObject
{
    public const int MaxReasonLength = 512;

    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>The SMTP AUTH user name, stored lower case.</summary>
    public string UserName { get; set; } = "";
    /// <summary>Which limit it reached, e.g. "Recipients per sender per hour: 100".</summary>
    public string Reason { get; set; } = "";
    public DateTimeOffset BlockedAt { get; set; }
    public int Revision { get; set; }

    public string DisplayName => UserName;

    public static string Normalize(string userName) => userName.Trim().ToLowerInvariant();
}
