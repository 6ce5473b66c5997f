using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Server.Transport.Receive.Policy;

/// <summary>How the organization treats a recipient domain (Exchange accepted domain types).</summary>
public enum RecipientDomainKind
{
    /// <summary>Not an accepted domain: relaying there needs the RelayToAnyDomain right.</summary>
    NotAccepted,
    /// <summary>Every recipient lives here: unknown mailboxes are refused at RCPT (550 5.1.1).</summary>
    Authoritative,
    /// <summary>Some recipients live here, the rest go to another server inside the organization.</summary>
    InternalRelay,
    /// <summary>Everything is relayed to a server outside the organization.</summary>
    ExternalRelay,
}

/// <summary>
/// The directory questions RCPT needs answered, implemented over the live configuration snapshot
/// (accepted domains, recipients). Implementations must be fast: they run per RCPT.
/// </summary>
public interface IAddressAuthority
{
    /// <param name="domain">Lower-case domain without trailing dot (never an address literal).</param>
    RecipientDomainKind Classify(string domain);

    /// <summary>Whether the address resolves to a recipient object (mailbox, alias, group, contact).</summary>
    ValueTask<bool> RecipientExistsAsync(SmtpAddress address, CancellationToken cancellationToken);
}
