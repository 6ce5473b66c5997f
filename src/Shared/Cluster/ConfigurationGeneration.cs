namespace Mailflow.Cluster;

/// <summary>
/// One saved configuration change. Generation numbers only grow; the highest is the configuration
/// every node should run. Stored per change so the admin center can show history and roll back.
/// </summary>
public sealed class ConfigurationGeneration
{
    public long Number { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string ChangedBy { get; set; } = "";
    /// <summary>One line: "Accepted domain 'contoso.com' created".</summary>
    public string Summary { get; set; } = "";
    /// <summary>
    /// The whole configuration as of this generation (a <c>ConfigurationDocument</c> as JSON, no secrets),
    /// so history can show it and roll back to it by applying it. Stored rather than rebuilt by replaying
    /// audit entries backwards: replay would depend on every past audit entry being complete and on the
    /// entity shapes of back then; configuration saves are rare, so one export per save is cheap.
    /// Null for generations written before snapshots existed.
    /// </summary>
    public string? Document { get; set; }
}
