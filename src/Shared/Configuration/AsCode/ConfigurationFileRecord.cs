namespace Mailflow.Configuration;

/// <summary>How <c>Mailflow:ConfigFile</c> is applied at start-up (<c>Mailflow:ConfigFileMode</c>).</summary>
public enum ConfigFileMode
{
    /// <summary>Only on a store nobody configured yet (the safe default: restarting a node never reverts the admin center's changes).</summary>
    Seed,
    /// <summary>When the file's content differs from the one last applied (its SHA-256 is recorded in the store).</summary>
    WhenChanged,
    /// <summary>At every start, as the whole truth for the sections it contains (GitOps); the admin center warns that edits there are overwritten.</summary>
    Always,
}

/// <summary>
/// One application of a configuration file at start-up, recorded in the store: the content hash that
/// <see cref="ConfigFileMode.WhenChanged"/> compares with, and the mode and sections the admin center's
/// "owned by the configuration file" warnings read (on every node, whichever applied it).
/// </summary>
public sealed class ConfigurationFileRecord
{
    public const int PathLength = 1024;

    public long Id { get; set; }
    public DateTimeOffset AppliedAt { get; set; }
    public string Node { get; set; } = "";
    public string Path { get; set; } = "";
    /// <summary>SHA-256 of the file's bytes, lower-case hex.</summary>
    public string ContentSha256 { get; set; } = "";
    public ConfigFileMode Mode { get; set; }
    /// <summary>The document's sections present in the file (<see cref="ConfigurationFileSections"/>), comma-separated.</summary>
    public string Sections { get; set; } = "";
    /// <summary>The generation the apply saved; null when the store already matched the file.</summary>
    public long? Generation { get; set; }
}
