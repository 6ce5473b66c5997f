using Mailflow.Cluster;
using Mailflow.Server.Transport.Agents;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.BackPressure;

/// <summary>
/// Refuses new messages while the node is under back pressure (Exchange's resource thresholds):
/// at High every MAIL FROM gets <c>452 4.3.1 Insufficient system resources (why)</c>, at Medium only
/// anonymous sessions do (authenticated submission goes on). The client keeps the message and retries;
/// connections are still accepted so the client hears why. Reads the monitor's last sample only.
/// </summary>
public sealed class BackPressureAgent(IBackPressureStatus status) : ITransportAgent
{
    public string Name => "BackPressure";
    public string DisplayName => "Back pressure";
    public string Description => "Answers 452 4.3.1 to new messages while disk space, the database, memory or the submission backlog is past its threshold.";
    public AgentEvents Events => AgentEvents.MailFrom;
    public int DefaultPriority => 105;

    public ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken)
    {
        var state = status.Current;
        var refuse = state.Level == BackPressureLevel.High || (state.Level == BackPressureLevel.Medium && !session.IsAuthenticated);
        return new(refuse
            ? AgentVerdict.TempFail(SmtpReplies.InsufficientResources(state.Why), $"back pressure {state.Level}: {state.Why}")
            : AgentVerdict.Continue);
    }
}
