namespace Mailflow.Configuration;

public enum DkimDnsStatus
{
    /// <summary>DNS serves exactly this key.</summary>
    Published,
    /// <summary>No TXT record at the name (or none that is a DKIM key).</summary>
    Missing,
    /// <summary>A key record is there, but a different key or key type (or a revoked one).</summary>
    Mismatch,
    /// <summary>DNS did not answer: try again later.</summary>
    DnsError,
}

/// <param name="Found">The TXT record DNS served, when there was one.</param>
/// <param name="Explanation">What to do, in a sentence (with the exact record to publish when it is wrong).</param>
public sealed record DkimDnsCheckResult(DkimDnsStatus Status, string RecordName, string ExpectedValue, string? Found, string Explanation)
{
    public bool IsPublished => Status == DkimDnsStatus.Published;
}

/// <summary>Asks DNS (through the node's resolver) whether a key's TXT record is published as Mailflow would sign with it.</summary>
public interface IDkimDnsCheck
{
    Task<DkimDnsCheckResult> CheckAsync(DkimSigningKey key, CancellationToken cancellationToken = default);
}
