namespace Mailflow.Server.Transport.Authentication;

/// <summary>Sender authentication settings of the node (<c>Mailflow:Authentication</c>).</summary>
public sealed class AuthenticationOptions
{
    public const string Section = "Mailflow:Authentication";

    /// <summary>The authserv-id in Authentication-Results headers (RFC 8601 §2.5). Empty = the node's FQDN. Give every node the same one.</summary>
    public string AuthServId { get; set; } = "";

    /// <summary>The authserv-id in effect: <see cref="AuthServId"/>, else the node's FQDN.</summary>
    public string EffectiveAuthServId(MailflowOptions node) => string.IsNullOrWhiteSpace(AuthServId) ? node.ResolvedFqdn : AuthServId.Trim();

    /// <summary>A newer Public Suffix List to use instead of the shipped copy. Empty = the shipped copy.</summary>
    public string PublicSuffixListPath { get; set; } = "";
}
