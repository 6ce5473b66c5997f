using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// Answers RCPT's directory questions from the live configuration snapshot: in memory, no store
/// round trip per recipient. Recipients are looked up case-insensitively by any of their addresses.
/// </summary>
public sealed class SnapshotAddressAuthority(TransportConfigProvider config) : IAddressAuthority
{
    /// <remarks>
    /// A domain that address rewriting rewrites back to an authoritative domain is taken as that domain:
    /// RCPT then accepts exactly the addresses that rewrite to an existing recipient. (Not to a relay
    /// domain: an address the entry excepts, or one an address entry does not name, would be relayed out.)
    /// </remarks>
    public RecipientDomainKind Classify(string domain)
    {
        var snapshot = config.Current;
        var accepted = snapshot.FindAcceptedDomain(domain);
        if (accepted is null && snapshot.AddressRewriting.InboundInternalDomainFor(domain) is { } internalDomain
            && snapshot.FindAcceptedDomain(internalDomain) is { Type: AcceptedDomainType.Authoritative } rewrittenTo)
            accepted = rewrittenTo;
        return accepted?.Type switch
        {
            AcceptedDomainType.Authoritative => RecipientDomainKind.Authoritative,
            AcceptedDomainType.InternalRelay => RecipientDomainKind.InternalRelay,
            AcceptedDomainType.ExternalRelay => RecipientDomainKind.ExternalRelay,
            _ => RecipientDomainKind.NotAccepted,
        };
    }

    public ValueTask<bool> RecipientExistsAsync(SmtpAddress address, CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var text = $"{address.UnquotedLocalPart}@{address.Domain}";
        // The categorizer resolves the rewritten address (RecipientResolver): RCPT asks about the same one.
        var resolved = snapshot.AddressRewriting.Inbound(text)?.To ?? text;
        return ValueTask.FromResult(snapshot.FindRecipient(resolved) is not null);
    }
}
