using Mailflow.Queue;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize.Journaling;

/// <summary>
/// Sends the envelope journal reports the journal rules ask for (<see cref="JournalReports"/>), one per
/// matching rule, and records each in the original's trace ("journaled by rule X to Y"). A report's
/// envelope sender is the rule's alternate journal address, else the organization's JournalingReportNdrTo,
/// so a report the journal address refuses comes back there as a non-delivery report; without either it is
/// the null sender, and an undeliverable report is dropped (its own trace shows the failure). Reports are never bounced to the original sender
/// and, being messages Mailflow generated, never journaled again.
/// </summary>
public sealed class Journaler(GeneratedMessageSubmitter submitter, MessageTracker tracker)
{
    public const string ConnectorName = "Mailflow journaling";
    public static readonly Guid ConnectorId = new("10a7a1e0-5e1f-4c0d-9a57-00000000a10a");

    public async Task JournalAsync(QueuedMessage message, MimeMessage original, RecipientResolution resolution, IReadOnlyList<JournalMatch> matches, CancellationToken cancellationToken)
    {
        foreach (var match in matches)
        {
            var report = JournalReports.Build(submitter.PostmasterAddress, match, original, message.Sender, resolution);
            var id = await submitter.SubmitAsync(report, match.AlternateJournalAddress ?? "", [match.JournalAddress], ConnectorName, ConnectorId, cancellationToken);
            tracker.Track(MessageTrackingEventKind.Agent, message, [match.JournalAddress],
                detail: $"Journaled by rule '{match.RuleName}' to {match.JournalAddress} ({match.Why}; report queued as {id})");
        }
    }
}
