namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// The DNS the health checks ask: the node's resolvers (<c>Mailflow:Dns:Servers</c>) without the
/// answer cache, so that "Check now" after fixing a record sees the fix instead of the cached answer.
/// </summary>
public sealed class DomainHealthDns(AuthenticationDns dns)
{
    public AuthenticationDns Dns { get; } = dns;
}
