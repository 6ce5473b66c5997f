using System.Collections.Immutable;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>Something resolution decided that produced no final recipient: a duplicate removed, a group loop cut, an empty group.</summary>
/// <param name="Original">The envelope recipient whose resolution this happened in.</param>
/// <param name="Address">The address concerned.</param>
/// <param name="Description">Plain language, for the message trace.</param>
public sealed record ResolutionNote(EnvelopeRecipient Original, string Address, string Description);

/// <summary>The outcome of resolving all envelope recipients of one message.</summary>
/// <param name="Recipients">Final recipients, each once, in the order they were first reached; failures included.</param>
/// <param name="Notes">Decisions that produced no recipient, in the order they were made.</param>
public sealed record RecipientResolution(ImmutableArray<ResolvedRecipient> Recipients, ImmutableArray<ResolutionNote> Notes)
{
    public IEnumerable<ResolvedRecipient> Deliverable => Recipients.Where(r => r.Kind != ResolvedRecipientKind.Failed);
    public IEnumerable<ResolvedRecipient> Failed => Recipients.Where(r => r.Kind == ResolvedRecipientKind.Failed);
}
