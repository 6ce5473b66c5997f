using Mailflow.Server.Transport.Authentication.DomainHealth;

namespace Mailflow.Server.Transport.Deliver.Tls;

/// <summary>
/// A recipient domain's MTA-STS policy applied to one MX delivery (RFC 8461 §4). Enforced when the
/// policy says "enforce" and the send connector enforces; otherwise every violation is only reported
/// (logged, traced) and the connector's own TLS policy decides.
/// </summary>
public sealed record MtaStsRequirement(string Domain, MtaStsPolicy Policy, string Id, bool Enforced)
{
    /// <summary>Why this MX host may not be used (RFC 8461 §4.1), or null when the policy names it.</summary>
    public string? RefuseHost(string mxName) => Policy.Matches(mxName)
        ? null
        : $"MX {mxName} is not named by the MTA-STS policy of {Domain} (mx: {string.Join(", ", Policy.MxPatterns)})";

    /// <summary>What the trace says about the policy: its domain, mode and whether it was enforced.</summary>
    public string Describe() =>
        $"MTA-STS {Domain} (policy {Policy.Mode.ToString().ToLowerInvariant()}, id {Id}, {(Enforced ? "enforced" : "report only")})";
}
