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
    public RecipientDomainKind Classify(string domain) =>
        config.Current.FindAcceptedDomain(domain)?.Type switch
        {
            AcceptedDomainType.Authoritative => RecipientDomainKind.Authoritative,
            AcceptedDomainType.InternalRelay => RecipientDomainKind.InternalRelay,
            AcceptedDomainType.ExternalRelay => RecipientDomainKind.ExternalRelay,
            _ => RecipientDomainKind.NotAccepted,
        };

    public ValueTask<bool> RecipientExistsAsync(SmtpAddress address, CancellationToken cancellationToken) =>
        ValueTask.FromResult(config.Current.FindRecipient($"{address.UnquotedLocalPart}@{address.Domain}") is not null);
}
