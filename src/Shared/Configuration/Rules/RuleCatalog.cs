using System.Collections.Frozen;

namespace Mailflow.Configuration;

/// <summary>What a predicate's values are, so the editor shows the right input and validation checks the right syntax.</summary>
public enum RuleValueKind
{
    None,
    Words,
    Patterns,
    Addresses,
    Domains,
    SizeBytes,
    IpRanges,
    FileExtensions,
    Number,
    Groups,
    Scope,
}

public sealed record RulePredicateDefinition(string Kind, string Label, RuleValueKind ValueKind, bool NeedsHeaderName = false);

public sealed record RuleActionDefinition(string Kind, string Label, IReadOnlyList<string> RequiredArguments, IReadOnlyList<string> OptionalArguments);

/// <summary>
/// The enumerated set of conditions/exceptions and actions mail flow rules support (no expression
/// language: style.md "things to avoid" 6). One list, read by the rules engine, the rule editor,
/// validation and the plain-language summaries.
/// </summary>
public static class RuleCatalog
{
    public static readonly IReadOnlyList<RulePredicateDefinition> Predicates =
    [
        new("SenderIs", "the sender is", RuleValueKind.Addresses),
        new("SenderDomainIs", "the sender's domain is", RuleValueKind.Domains),
        new("SenderScope", "the sender is located", RuleValueKind.Scope),
        new("RecipientIs", "a recipient is", RuleValueKind.Addresses),
        new("RecipientDomainIs", "a recipient's domain is", RuleValueKind.Domains),
        new("RecipientScope", "a recipient is located", RuleValueKind.Scope),
        new("AnyRecipientMemberOf", "a recipient is a member of", RuleValueKind.Groups),
        new("SubjectContainsWords", "the subject includes any of these words", RuleValueKind.Words),
        new("SubjectMatchesPatterns", "the subject matches any of these patterns", RuleValueKind.Patterns),
        new("SubjectOrBodyContainsWords", "the subject or body includes any of these words", RuleValueKind.Words),
        new("SubjectOrBodyMatchesPatterns", "the subject or body matches any of these patterns", RuleValueKind.Patterns),
        new("HeaderContainsWords", "a message header includes any of these words", RuleValueKind.Words, NeedsHeaderName: true),
        new("HeaderMatchesPatterns", "a message header matches any of these patterns", RuleValueKind.Patterns, NeedsHeaderName: true),
        new("AttachmentExtensionIs", "any attachment's file extension is", RuleValueKind.FileExtensions),
        new("AttachmentNameMatchesPatterns", "any attachment's name matches", RuleValueKind.Patterns),
        new("AttachmentSizeOver", "any attachment is larger than", RuleValueKind.SizeBytes),
        new("MessageSizeOver", "the message is larger than", RuleValueKind.SizeBytes),
        new("SenderIpInRanges", "the sender's IP address is in", RuleValueKind.IpRanges),
        new("ReceivedAuthenticated", "the message was received over an authenticated session", RuleValueKind.None),
        new("SclAtLeast", "the spam confidence level is at least", RuleValueKind.Number),
    ];

    public static readonly IReadOnlyList<RuleActionDefinition> Actions =
    [
        new("Reject", "reject the message with an explanation", ["Text"], ["EnhancedStatusCode"]),
        new("DeleteSilently", "delete the message without notifying anyone", [], []),
        new("RedirectTo", "redirect the message to", ["Addresses"], []),
        new("AddRecipients", "add recipients", ["Addresses"], ["Field"]),
        new("PrependSubject", "prepend the subject with", ["Text"], []),
        new("SetHeader", "set a message header", ["Name", "Value"], []),
        new("RemoveHeader", "remove a message header", ["Name"], []),
        new("ApplyDisclaimer", "apply a disclaimer", ["Text"], ["Html", "Position", "Fallback"]),
        new("RouteThroughConnector", "route the message through send connector", ["Connector"], []),
        new("RequireTls", "require TLS for delivery", [], []),
        new("Quarantine", "hold the message in quarantine", [], []),
        new("NotifySender", "notify the sender with a message", ["Text"], []),
        new("SetScl", "set the spam confidence level to", ["Value"], []),
        new("StopProcessing", "stop processing more rules", [], []),
    ];

    private static readonly FrozenDictionary<string, RulePredicateDefinition> PredicatesByKind = Predicates.ToFrozenDictionary(p => p.Kind, StringComparer.Ordinal);
    private static readonly FrozenDictionary<string, RuleActionDefinition> ActionsByKind = Actions.ToFrozenDictionary(a => a.Kind, StringComparer.Ordinal);

    public static RulePredicateDefinition? FindPredicate(string kind) => PredicatesByKind.GetValueOrDefault(kind);
    public static RuleActionDefinition? FindAction(string kind) => ActionsByKind.GetValueOrDefault(kind);

    /// <summary>Scope values for <see cref="RuleValueKind.Scope"/> predicates.</summary>
    public static readonly IReadOnlyList<string> Scopes = ["InOrganization", "NotInOrganization"];
}
