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
}
