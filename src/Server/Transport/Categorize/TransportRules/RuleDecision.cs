using System.Collections.Immutable;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>A rule refused the message: the receive session answers 550 with this enhanced code and text (no NDR, so no backscatter).</summary>
/// <param name="EnhancedStatusCode">RFC 3463 code; 5.7.1 ("delivery not authorized, message refused") unless the rule says otherwise.</param>
public sealed record RuleRejection(string Text, string EnhancedStatusCode, string RuleName)
{
    public const string DefaultEnhancedStatusCode = "5.7.1";
    public const string DefaultText = "Delivery not authorized, message refused";
    public int SmtpCode => 550;
}

public enum RecipientField
{
    To,
    Cc,
    /// <summary>Added to the envelope only: nothing in the headers shows it (RFC 5322 §3.6.3).</summary>
    Bcc,
}

public sealed record AddedRecipient(string Address, RecipientField Field, string RuleName);

public sealed record SenderNotification(string Text, string RuleName);

/// <summary>A notice to each recipient; <paramref name="InsteadOfMessage"/>: the notice replaces the message, which is not delivered.</summary>
public sealed record RecipientNotification(string Text, bool InsteadOfMessage, string RuleName);

/// <summary>Hold the message for a moderator's approval (<see cref="Mailflow.Configuration.RuleCatalog"/> ModerateWith).</summary>
public sealed record ModerationRequest(ImmutableArray<string> Moderators, int ExpiryDays, string RuleName);

/// <summary>An incident report (the original attached, and why the rule matched) for these addresses.</summary>
public sealed record IncidentReport(ImmutableArray<string> Addresses, string RuleName, string MatchedBecause);

public enum DisclaimerPosition
{
    Append,
    Prepend,
}

/// <summary>What to do when the disclaimer cannot be inserted because the message is signed or encrypted (S/MIME, PGP/MIME).</summary>
public enum DisclaimerFallback
{
    /// <summary>Attach the original message, untouched, to a new message whose body is the disclaimer.</summary>
    Wrap,
    /// <summary>Deliver the message unchanged.</summary>
    Ignore,
    /// <summary>Refuse the message (550 5.7.1).</summary>
    Reject,
}

/// <summary>A change to the message content, applied by <see cref="MessageContentEditor"/> in rule order.</summary>
public abstract record ContentChange(string RuleName);

public sealed record PrependSubjectChange(string RuleName, string Prefix) : ContentChange(RuleName);

public sealed record SetHeaderChange(string RuleName, string Name, string Value) : ContentChange(RuleName);

public sealed record RemoveHeaderChange(string RuleName, string Name) : ContentChange(RuleName);

/// <param name="Importance">High, Normal or Low.</param>
public sealed record SetImportanceChange(string RuleName, string Importance) : ContentChange(RuleName);

/// <param name="Html">The HTML form; null = the text, HTML-encoded, in a paragraph.</param>
public sealed record DisclaimerChange(string RuleName, string Text, string? Html, DisclaimerPosition Position, DisclaimerFallback Fallback) : ContentChange(RuleName);

/// <summary>
/// What the Enforce-mode rules decided for a message. Reject and delete are decided at the end of
/// DATA, before the 250; the rest is carried with the message to the categorizer and router.
/// </summary>
/// <param name="Reject">Refuse the message with this reply.</param>
/// <param name="DeleteSilently">Accept the message and drop it: no delivery, no NDR.</param>
/// <param name="QuarantineRule">Hold the message in quarantine (the rule that asked), for an admin to release or delete.</param>
/// <param name="RedirectTo">Deliver to these addresses instead of the message's recipients.</param>
/// <param name="AddedRecipients">Deliver also to these; To and Cc are added to the headers too.</param>
/// <param name="RouteThroughConnector">Send connector name that overrides address-space routing for external recipients.</param>
/// <param name="RequireTls">Deliver only over TLS, whatever the connector's policy.</param>
/// <param name="Scl">The spam confidence level a rule set.</param>
public sealed record RuleDecision(
    RuleRejection? Reject,
    bool DeleteSilently,
    string? QuarantineRule,
    ImmutableArray<string> RedirectTo,
    ImmutableArray<AddedRecipient> AddedRecipients,
    string? RouteThroughConnector,
    bool RequireTls,
    int? Scl,
    ImmutableArray<SenderNotification> SenderNotifications,
    ImmutableArray<ContentChange> ContentChanges)
{
    public static RuleDecision None { get; } = new(null, false, null, [], [], null, false, null, [], []);

    public ImmutableArray<RecipientNotification> RecipientNotifications { get; init; } = [];
    public ImmutableArray<IncidentReport> IncidentReports { get; init; } = [];
    /// <summary>The first rule that marked the message REQUIRETLS (RFC 8689, <c>SetRequireTls</c>); null when none did.</summary>
    public string? RequireTlsExtensionRule { get; init; }
    /// <summary>The first rule that asked for a moderator's approval; the message is held until then.</summary>
    public ModerationRequest? Moderation { get; init; }

    /// <summary>A rule's recipient notice replaces the message: the notices go out, the message is not delivered.</summary>
    public RecipientNotification? ReplacedByNotice => RecipientNotifications.FirstOrDefault(n => n.InsteadOfMessage);

    /// <summary>Messages the rules generate (notices, incident reports), sent by the categorizer.</summary>
    public bool GeneratesMessages => !SenderNotifications.IsEmpty || !RecipientNotifications.IsEmpty || !IncidentReports.IsEmpty;

    public bool Quarantine => QuarantineRule is not null;

    /// <summary>
    /// The envelope recipients after the rules: the redirect addresses instead of the original
    /// recipients when a rule redirected, then every added recipient (To, Cc and Bcc) not already
    /// there. New recipients carry no DSN parameters of their own (RFC 3461 NOTIFY default).
    /// </summary>
    public ImmutableArray<EnvelopeRecipient> ApplyToRecipients(IEnumerable<EnvelopeRecipient> recipients)
    {
        var result = RedirectTo.IsEmpty ? recipients.ToList() : [.. RedirectTo.Select(a => new EnvelopeRecipient(a))];
        foreach (var added in AddedRecipients)
            if (!result.Any(r => string.Equals(r.Address, added.Address, StringComparison.OrdinalIgnoreCase)))
                result.Add(new EnvelopeRecipient(added.Address));
        return [.. result];
    }

    /// <summary>The message content changes: content changes, or To/Cc recipients added to the headers.</summary>
    public bool ChangesContent => ContentChanges.Length > 0 || AddedRecipients.Any(r => r.Field != RecipientField.Bcc);
}
