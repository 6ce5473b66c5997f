using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Server.Tests.Receive.Fakes;

/// <summary>
/// Accepted domains: <c>local.test</c> (authoritative, mailboxes alice and bob),
/// <c>internal.test</c> (internal relay), <c>partner.test</c> (external relay). Everything else is not accepted.
/// </summary>
public sealed class FakeAddressAuthority : IAddressAuthority
{
    public HashSet<string> Mailboxes { get; } = new(StringComparer.OrdinalIgnoreCase) { "alice@local.test", "bob@local.test" };
    public bool Fail { get; set; }

    public RecipientDomainKind Classify(string domain)
    {
        if (Fail)
            throw new InvalidOperationException("directory down");
        return domain switch
        {
            "local.test" => RecipientDomainKind.Authoritative,
            "internal.test" => RecipientDomainKind.InternalRelay,
            "partner.test" => RecipientDomainKind.ExternalRelay,
            _ => RecipientDomainKind.NotAccepted,
        };
    }

    public ValueTask<bool> RecipientExistsAsync(SmtpAddress address, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Mailboxes.Contains($"{address.UnquotedLocalPart}@{address.Domain}"));
}
