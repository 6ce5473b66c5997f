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
    /// <summary>One or more values from the definition's <see cref="RulePredicateDefinition.Choices"/>.</summary>
    Choice,
    /// <summary>Character set names (utf-8, iso-2022-jp, koi8-r…).</summary>
    Charsets,
}

/// <summary>One value a <see cref="RuleValueKind.Choice"/> predicate offers: stored as <paramref name="Value"/>, shown as <paramref name="Label"/>.</summary>
public sealed record RuleChoice(string Value, string Label);

public sealed record RulePredicateDefinition(string Kind, string Label, RuleValueKind ValueKind, bool NeedsHeaderName = false, IReadOnlyList<RuleChoice>? Choices = null)
{
    public string ChoiceLabel(string value) =>
        Choices?.FirstOrDefault(c => string.Equals(c.Value, value, StringComparison.OrdinalIgnoreCase))?.Label ?? value;
}

public sealed record RuleActionDefinition(string Kind, string Label, IReadOnlyList<string> RequiredArguments, IReadOnlyList<string> OptionalArguments);

/// <summary>
/// The enumerated set of conditions/exceptions and actions mail flow rules support (no expression
/// language: style.md "things to avoid" 6). One list, read by the rules engine, the rule editor,
/// validation and the plain-language summaries.
/// </summary>
public static class RuleCatalog
{
    /// <summary>Message types (Exchange's MessageTypeMatches), recognised by their headers and MIME types.</summary>
    public static readonly IReadOnlyList<RuleChoice> MessageTypes =
    [
        new("AutoForward", "automatically forwarded"),
        new("AutoReply", "an automatic reply (out of office)"),
        new("Calendaring", "a meeting request or response"),
        new("Encrypted", "encrypted (S/MIME or PGP)"),
        new("Signed", "digitally signed (S/MIME or PGP)"),
        new("Ndr", "a non-delivery report (NDR)"),
        new("ReadReceipt", "a read receipt"),
    ];

    public static readonly IReadOnlyList<RuleChoice> Importances =
    [
        new("High", "high"),
        new("Normal", "normal"),
        new("Low", "low"),
    ];

    /// <summary>The verdicts of the sender authentication agent (RFC 8601 result names), as it tags them.</summary>
    public static readonly IReadOnlyList<RuleChoice> AuthenticationResults =
    [
        new("pass", "pass"),
        new("fail", "fail"),
        new("softfail", "softfail (SPF)"),
        new("neutral", "neutral"),
        new("none", "none"),
        new("policy", "policy (DKIM)"),
        new("temperror", "temperror"),
        new("permerror", "permerror"),
    ];

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
        new("SenderAddressMatchesPatterns", "the sender's address matches any of these patterns", RuleValueKind.Patterns),
        new("RecipientAddressMatchesPatterns", "a recipient's address matches any of these patterns", RuleValueKind.Patterns),
        new("RecipientAddressContainsWords", "a recipient's address includes any of these words", RuleValueKind.Words),
        new("SentToOrCcContains", "the To or Cc box contains", RuleValueKind.Addresses),
        new("MessageTypeIs", "the message type is", RuleValueKind.Choice, Choices: MessageTypes),
        new("ImportanceIs", "the message importance is", RuleValueKind.Choice, Choices: Importances),
        new("AttachmentContainsWords", "any attachment's content includes any of these words", RuleValueKind.Words),
        new("AttachmentIsPasswordProtected", "any attachment is password-protected", RuleValueKind.None),
        new("AttachmentCannotBeInspected", "any attachment's content could not be inspected", RuleValueKind.None),
        new("HasNoAttachment", "the message has no attachment", RuleValueKind.None),
        new("CharsetIs", "the message's character set is", RuleValueKind.Charsets),
        new("SpfResultIs", "the SPF result is", RuleValueKind.Choice, Choices: AuthenticationResults),
        new("DkimResultIs", "the DKIM result is", RuleValueKind.Choice, Choices: AuthenticationResults),
        new("DmarcResultIs", "the DMARC result is", RuleValueKind.Choice, Choices: AuthenticationResults),
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
        // RFC 8689: stricter than RequireTls — verified TLS on this and every later hop, else the message is returned (5.7.30).
        new("SetRequireTls", "require verified TLS on every hop (REQUIRETLS)", [], []),
        new("Quarantine", "hold the message in quarantine", [], []),
        new("NotifySender", "notify the sender with a message", ["Text"], []),
        new("SetScl", "set the spam confidence level to", ["Value"], []),
        new("StopProcessing", "stop processing more rules", [], []),
        new("BccTo", "send a blind copy (Bcc) to", ["Addresses"], []),
        new("SetImportance", "set the message importance to", ["Value"], []),
        new("SetClassification", "set the message classification to", ["Value"], []),
        new("NotifyRecipient", "notify the recipients with a message", ["Text"], ["Delivery"]),
        new("GenerateIncidentReport", "generate an incident report and send it to", ["Addresses"], []),
        new("ModerateWith", "forward the message for approval to", ["Addresses"], ["ExpiryDays"]),
    ];

    /// <summary><c>ModerateWith</c>: days a moderator has to decide before the message is rejected (Exchange's two days), and the most allowed.</summary>
    public const int DefaultModerationExpiryDays = 2;
    public const int MaxModerationExpiryDays = 30;

    /// <summary>The header <c>SetClassification</c> writes (Exchange's message classification travels in an X- header too).</summary>
    public const string ClassificationHeader = "X-Message-Classification";

    /// <summary><c>NotifyRecipient</c>'s Delivery argument: the message is delivered too (default) or the notice replaces it.</summary>
    public static readonly IReadOnlyList<string> NotifyRecipientDelivery = ["WithMessage", "InsteadOfMessage"];

    private static readonly FrozenDictionary<string, RulePredicateDefinition> PredicatesByKind = Predicates.ToFrozenDictionary(p => p.Kind, StringComparer.Ordinal);
    private static readonly FrozenDictionary<string, RuleActionDefinition> ActionsByKind = Actions.ToFrozenDictionary(a => a.Kind, StringComparer.Ordinal);

    public static RulePredicateDefinition? FindPredicate(string kind) => PredicatesByKind.GetValueOrDefault(kind);
    public static RuleActionDefinition? FindAction(string kind) => ActionsByKind.GetValueOrDefault(kind);

    /// <summary>Scope values for <see cref="RuleValueKind.Scope"/> predicates.</summary>
    public static readonly IReadOnlyList<string> Scopes = ["InOrganization", "NotInOrganization"];
}
