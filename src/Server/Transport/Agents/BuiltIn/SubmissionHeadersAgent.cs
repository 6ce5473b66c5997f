using Mailflow.Configuration;
using MimeKit.Utils;

namespace Mailflow.Server.Transport.Agents.BuiltIn;

/// <summary>
/// Message submission hygiene (RFC 6409 §8.3 and §8.1, as Exchange does for authenticated clients): a
/// message an authenticated client submits without a Message-ID or a Date header gets one, so the trace
/// can find it by Message-ID and every downstream system sees a well-formed message.
/// </summary>
public sealed class SubmissionHeadersAgent(TimeProvider time) : ITransportAgent
{
    public string Name => "SubmissionHeaders";
    public string DisplayName => "Submission headers";
    public string Description => "Adds a Message-ID and a Date header to messages authenticated clients submit without them.";
    public AgentEvents Events => AgentEvents.EndOfData;
    public int DefaultPriority => 150;
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.FailOpen;

    public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        if (!session.IsAuthenticated)
            return AgentVerdict.Continue;
        var headers = await content.GetHeadersAsync(cancellationToken);
        var added = new List<string>();
        if (!headers.Contains(MimeKit.HeaderId.MessageId))
        {
            message.AddHeader("Message-ID", $"<{MimeUtils.GenerateMessageId(session.Policy.Fqdn)}>");
            added.Add("Message-ID");
        }
        if (!headers.Contains(MimeKit.HeaderId.Date))
        {
            message.AddHeader("Date", DateUtils.FormatDate(time.GetUtcNow()));
            added.Add("Date");
        }
        return added.Count == 0 ? AgentVerdict.Continue : AgentVerdict.ContinueWith($"added {string.Join(" and ", added)} (RFC 6409 §8)");
    }
}
