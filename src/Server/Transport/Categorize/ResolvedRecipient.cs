using System.Collections.Immutable;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>Where a final recipient goes after resolution.</summary>
public enum ResolvedRecipientKind
{
    /// <summary>A mailbox in this organization: delivered by its <see cref="MailboxDeliveryKind"/> to its target.</summary>
    Mailbox,
    /// <summary>A mail contact's external address (reached through a contact, possibly via aliases or groups): routed by its domain.</summary>
    ExternalForward,
    /// <summary>An address in an internal or external relay domain with no recipient object here: relayed onward, routed by domain.</summary>
    Relay,
    /// <summary>An address in a domain this organization does not accept: routed by domain.</summary>
    Remote,
    /// <summary>Cannot be delivered: the sender gets a non-delivery report with <see cref="ResolvedRecipient.Failure"/>.</summary>
    Failed,
}

/// <summary>Tracking steps of a resolution, named after the message tracking events they become.</summary>
public enum ResolutionStepKind
{
    /// <summary>RESOLVE: an address was resolved to a recipient whose primary address differs (an extra address).</summary>
    Resolve,
    /// <summary>EXPAND: a distribution group was expanded to one of its members.</summary>
    Expand,
    /// <summary>REDIRECT: an alias forwarded to its target, or a mail contact to its external address.</summary>
    Redirect,
    /// <summary>Address rewriting: an external envelope recipient was rewritten back to the internal address it stands for.</summary>
    Rewrite,
}

/// <param name="From">The address before the step.</param>
/// <param name="To">The address after the step.</param>
/// <param name="Description">Plain language, for the message trace: "the group sales@contoso.com includes bob@contoso.com".</param>
public sealed record ResolutionStep(ResolutionStepKind Kind, string From, string To, string Description);

/// <summary>Why a recipient cannot be delivered: the RFC 3463 enhanced status code for the NDR and a reason a person can act on.</summary>
/// <param name="SmtpCode">The basic reply code the NDR reports (RFC 3464 Diagnostic-Code), always 5xx here.</param>
public sealed record ResolutionFailure(int SmtpCode, string EnhancedStatusCode, string Reason);

/// <summary>
/// One final recipient of a message: where it goes, which envelope recipient it came from (kept for
/// RFC 3461 ORCPT and DSNs) and the path of resolution steps that led to it (for message tracking).
/// </summary>
/// <param name="Address">The address to deliver to: the mailbox's primary address, the contact's external address, or the address as received.</param>
/// <param name="Original">The envelope recipient this final recipient was reached from.</param>
/// <param name="Mailbox">For <see cref="ResolvedRecipientKind.Mailbox"/>: the mailbox (delivery kind and target).</param>
/// <param name="AcceptedDomain">The accepted domain covering <paramref name="Address"/>, if any.</param>
/// <param name="Failure">For <see cref="ResolvedRecipientKind.Failed"/>: why.</param>
public sealed record ResolvedRecipient(
    string Address,
    ResolvedRecipientKind Kind,
    EnvelopeRecipient Original,
    ImmutableArray<ResolutionStep> Path,
    Recipient? Mailbox = null,
    AcceptedDomain? AcceptedDomain = null,
    ResolutionFailure? Failure = null)
{
    /// <summary>The domain of <see cref="Address"/>, lower-cased: what Route matches against send connector address spaces.</summary>
    public string Domain => MailAddressParts.DomainOf(Address);
}
