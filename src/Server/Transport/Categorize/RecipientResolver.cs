using System.Collections.Immutable;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// Resolves a message's envelope recipients against one <see cref="TransportConfig"/> snapshot into
/// final recipients (Exchange's categorizer "resolver" and "expansion" steps). Pure and synchronous:
/// no I/O, the same snapshot and input always give the same output.
///
/// Implementation summary:
/// <list type="bullet">
/// <item>An address in a domain that is not accepted is <see cref="ResolvedRecipientKind.Remote"/>; recipient
/// objects are looked up only in accepted domains, so a contact whose own address equals its external
/// address cannot loop.</item>
/// <item>In an accepted domain the recipient is found by any of its addresses, case-insensitively. None found:
/// an authoritative domain fails the recipient with 5.1.1 (RFC 3463 "bad destination mailbox address" —
/// the receive stage rejects these at RCPT, so this only happens when a recipient disappeared later or a
/// group member no longer resolves); a relay domain relays it onward (<see cref="ResolvedRecipientKind.Relay"/>).</item>
/// <item>Aliases redirect to their target, contacts to their external address (which is resolved again),
/// groups expand to their members, nested to any depth. A recipient met again on its own path is a loop:
/// a group loop is cut silently (the members are already being delivered), an alias or contact loop fails
/// with 5.4.6 (RFC 3463 "routing loop detected").</item>
/// <item>An envelope recipient that an address rewriting entry rewrites back (external → internal) is resolved as the internal address, with a REWRITE step on its path.</item>
/// <item>Every final recipient appears once per message: a mailbox reached through several groups or
/// envelope recipients is delivered once, to the first path that reached it.</item>
/// <item>One envelope recipient expands to at most <see cref="RecipientResolverOptions.MaxGroupExpansionRecipients"/>
/// recipients; past that the envelope recipient gets one failure (5.2.4, "mailing list expansion problem")
/// that says how many members did not receive the message.</item>
/// </list>
/// </summary>
public sealed class RecipientResolver(RecipientResolverOptions? options = null)
{
    private readonly RecipientResolverOptions options = options ?? new RecipientResolverOptions();

    public RecipientResolution Resolve(TransportConfig config, IEnumerable<EnvelopeRecipient> recipients)
    {
        var run = new Run(config, options.MaxGroupExpansionRecipients);
        foreach (var recipient in recipients)
            run.ResolveEnvelopeRecipient(recipient);
        return new RecipientResolution(run.Results.ToImmutable(), run.Notes.ToImmutable());
    }

    public RecipientResolution Resolve(TransportConfig config, params string[] addresses) =>
        Resolve(config, addresses.Select(a => new EnvelopeRecipient(a)));

    /// <summary>The state of resolving one message: what was delivered already and which groups were expanded.</summary>
    private sealed class Run(TransportConfig config, int expansionLimit)
    {
        private readonly HashSet<string> delivered = new(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<Guid> expandedGroups = [];
        private EnvelopeRecipient original = null!;
        private int emittedForOriginal;
        private HashSet<string> overLimit = null!;

        public ImmutableArray<ResolvedRecipient>.Builder Results { get; } = ImmutableArray.CreateBuilder<ResolvedRecipient>();
        public ImmutableArray<ResolutionNote>.Builder Notes { get; } = ImmutableArray.CreateBuilder<ResolutionNote>();

        public void ResolveEnvelopeRecipient(EnvelopeRecipient recipient)
        {
            original = recipient;
            emittedForOriginal = 0;
            overLimit = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var address = MailAddressParts.Normalize(recipient.Address.Trim());
            // Address rewriting's way back: mail to an external address reaches the internal one it stands for.
            ImmutableArray<ResolutionStep> path = [];
            if (config.AddressRewriting.Inbound(address) is { } rewrite)
            {
                path = path.Add(new ResolutionStep(ResolutionStepKind.Rewrite, rewrite.From, rewrite.To, rewrite.Description));
                address = rewrite.To;
            }
            ResolveAddress(address, path, [], forwardedByContact: false);
            if (overLimit.Count > 0)
            {
                Add(Failure(recipient.Address, [], null, 550, "5.2.4",
                    $"The message reached the first {expansionLimit} recipients of {recipient.Address}, but {overLimit.Count} more were not sent "
                    + $"the message because a group may expand to at most {expansionLimit} recipients. Ask your administrator to split the group or raise the limit."),
                    countTowardsLimit: false);
            }
        }

        private void ResolveAddress(string address, ImmutableArray<ResolutionStep> path, ImmutableHashSet<Guid> chain, bool forwardedByContact)
        {
            if (!MailAddressParts.HasLocalAndDomain(address))
            {
                Add(Failure(address, path, null, 550, "5.1.3",
                    $"'{address}' is not a complete email address (it needs a name, an @ and a domain)."));
                return;
            }
            var domain = config.FindAcceptedDomain(MailAddressParts.DomainOf(address));
            if (domain is null)
            {
                Add(new ResolvedRecipient(address, forwardedByContact ? ResolvedRecipientKind.ExternalForward : ResolvedRecipientKind.Remote, original, path));
                return;
            }
            var recipient = config.FindRecipient(address);
            if (recipient is null)
            {
                if (domain.Type == AcceptedDomainType.Authoritative)
                {
                    Add(Failure(address, path, domain, 550, "5.1.1",
                        $"The address {address} doesn't exist in {domain.DomainName}. Check the spelling, or ask the recipient for their current address."));
                }
                else
                {
                    Add(new ResolvedRecipient(address, ResolvedRecipientKind.Relay, original, path, AcceptedDomain: domain));
                }
                return;
            }
            if (!string.Equals(address, recipient.PrimaryAddress, StringComparison.OrdinalIgnoreCase))
            {
                path = path.Add(new ResolutionStep(ResolutionStepKind.Resolve, address, recipient.PrimaryAddress,
                    $"{address} is an address of {Describe(recipient)}"));
            }
            ResolveRecipient(recipient, path, chain);
        }

        private void ResolveRecipient(Recipient recipient, ImmutableArray<ResolutionStep> path, ImmutableHashSet<Guid> chain)
        {
            if (chain.Contains(recipient.Id))
            {
                if (recipient.Kind == RecipientKind.DistributionGroup)
                {
                    Note(recipient.PrimaryAddress, $"The group {recipient.PrimaryAddress} contains itself through nested groups; it was expanded once.");
                    return;
                }
                Add(Failure(recipient.PrimaryAddress, path, null, 550, "5.4.6",
                    $"{Describe(recipient)} forwards in a circle back to itself, so the message can't reach anyone. Ask your administrator to fix where it forwards to."));
                return;
            }
            chain = chain.Add(recipient.Id);
            var domain = config.FindAcceptedDomain(MailAddressParts.DomainOf(recipient.PrimaryAddress));
            switch (recipient.Kind)
            {
                case RecipientKind.Mailbox:
                    Add(new ResolvedRecipient(recipient.PrimaryAddress, ResolvedRecipientKind.Mailbox, original, path, recipient, domain));
                    break;
                case RecipientKind.Alias:
                    var target = recipient.ForwardToId is { } targetId ? config.FindRecipient(targetId) : null;
                    if (target is null)
                    {
                        Add(Failure(recipient.PrimaryAddress, path, domain, 550, "5.1.1",
                            $"The alias {recipient.PrimaryAddress} forwards to a recipient that no longer exists. Ask your administrator to update or remove the alias."));
                        return;
                    }
                    ResolveRecipient(target, path.Add(new ResolutionStep(ResolutionStepKind.Redirect, recipient.PrimaryAddress, target.PrimaryAddress,
                        $"the alias {recipient.PrimaryAddress} forwards to {target.PrimaryAddress}")), chain);
                    break;
                case RecipientKind.MailContact:
                    var external = MailAddressParts.Normalize(recipient.ExternalAddress.Trim());
                    if (external.Length == 0)
                    {
                        Add(Failure(recipient.PrimaryAddress, path, domain, 550, "5.1.1",
                            $"The contact {recipient.PrimaryAddress} has no external address to forward to. Ask your administrator to complete the contact."));
                        return;
                    }
                    ResolveAddress(external, path.Add(new ResolutionStep(ResolutionStepKind.Redirect, recipient.PrimaryAddress, external,
                        $"the contact {recipient.PrimaryAddress} forwards to its external address {external}")), chain, forwardedByContact: true);
                    break;
                case RecipientKind.DistributionGroup:
                    Expand(recipient, path, chain, domain);
                    break;
            }
        }

        private void Expand(Recipient group, ImmutableArray<ResolutionStep> path, ImmutableHashSet<Guid> chain, AcceptedDomain? domain)
        {
            if (!expandedGroups.Add(group.Id))
            {
                Note(group.PrimaryAddress, $"The group {group.PrimaryAddress} was already expanded for this message; its members get the message once.");
                return;
            }
            if (group.MemberIds.Count == 0)
            {
                Note(group.PrimaryAddress, $"The group {group.PrimaryAddress} has no members, so nobody received the message through it.");
                return;
            }
            var missing = 0;
            foreach (var memberId in group.MemberIds)
            {
                var member = config.FindRecipient(memberId);
                if (member is null)
                {
                    missing++;
                    continue;
                }
                ResolveRecipient(member, path.Add(new ResolutionStep(ResolutionStepKind.Expand, group.PrimaryAddress, member.PrimaryAddress,
                    $"the group {group.PrimaryAddress} includes {member.PrimaryAddress}")), chain);
            }
            if (missing > 0)
            {
                // The member's address is gone with it: the failure names the group, whose owner can fix it.
                Add(Failure(group.PrimaryAddress, path, domain, 550, "5.1.1", missing == 1
                    ? $"One member of the group {group.PrimaryAddress} no longer exists, so that member didn't receive the message. Ask your administrator to update the group's members."
                    : $"{missing} members of the group {group.PrimaryAddress} no longer exist, so they didn't receive the message. Ask your administrator to update the group's members."));
            }
        }

        private ResolvedRecipient Failure(string address, ImmutableArray<ResolutionStep> path, AcceptedDomain? domain, int code, string enhanced, string reason) =>
            new(address, ResolvedRecipientKind.Failed, original, path, AcceptedDomain: domain, Failure: new ResolutionFailure(code, enhanced, reason));

        private void Add(ResolvedRecipient resolved, bool countTowardsLimit = true)
        {
            var key = resolved.Kind switch
            {
                ResolvedRecipientKind.Mailbox => "mailbox:" + resolved.Mailbox!.Id,
                ResolvedRecipientKind.Failed => $"failed:{resolved.Address}:{resolved.Failure!.EnhancedStatusCode}:{resolved.Failure.Reason}",
                _ => "address:" + resolved.Address,
            };
            if (delivered.Contains(key))
            {
                Note(resolved.Address, $"{resolved.Address} was reached more than once; it gets the message once.");
                return;
            }
            var expanded = resolved.Path.Any(s => s.Kind == ResolutionStepKind.Expand);
            if (countTowardsLimit && expanded && emittedForOriginal >= expansionLimit)
            {
                overLimit.Add(key);
                return;
            }
            delivered.Add(key);
            if (countTowardsLimit)
                emittedForOriginal++;
            Results.Add(resolved);
        }

        private void Note(string address, string description) => Notes.Add(new ResolutionNote(original, address, description));

        private static string Describe(Recipient recipient) => recipient.Kind switch
        {
            RecipientKind.Mailbox => $"the mailbox {recipient.PrimaryAddress}",
            RecipientKind.Alias => $"the alias {recipient.PrimaryAddress}",
            RecipientKind.MailContact => $"the contact {recipient.PrimaryAddress}",
            RecipientKind.DistributionGroup => $"the group {recipient.PrimaryAddress}",
            _ => recipient.PrimaryAddress,
        };
    }
}
