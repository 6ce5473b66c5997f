using System.Collections.Immutable;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>Collects the Enforce-mode actions of the rules evaluated so far into a <see cref="RuleDecision"/>.</summary>
internal sealed class RuleDecisionBuilder
{
    public RuleRejection? Reject { get; set; }
    public bool DeleteSilently { get; set; }
    public string? QuarantineRule { get; set; }
    public List<string> RedirectTo { get; } = [];
    public List<AddedRecipient> AddedRecipients { get; } = [];
    public string? RouteThroughConnector { get; set; }
    public bool RequireTls { get; set; }
    public string? RequireTlsExtensionRule { get; set; }
    public int? Scl { get; set; }
    public List<SenderNotification> SenderNotifications { get; } = [];
    public List<ContentChange> ContentChanges { get; } = [];
    public List<RecipientNotification> RecipientNotifications { get; } = [];
    public List<IncidentReport> IncidentReports { get; } = [];
    public ModerationRequest? Moderation { get; set; }

    /// <summary>The message will not be delivered (rejected or deleted): later rules cannot change that.</summary>
    public bool IsFinal => Reject is not null || DeleteSilently;

    public RuleDecision Build() => new(
        Reject,
        DeleteSilently,
        QuarantineRule,
        [.. RedirectTo.Distinct(StringComparer.OrdinalIgnoreCase)],
        [.. AddedRecipients],
        RouteThroughConnector,
        RequireTls,
        Scl,
        [.. SenderNotifications],
        [.. ContentChanges])
    {
        RecipientNotifications = [.. RecipientNotifications],
        IncidentReports = [.. IncidentReports],
        Moderation = Moderation,
        RequireTlsExtensionRule = RequireTlsExtensionRule,
    };
}
