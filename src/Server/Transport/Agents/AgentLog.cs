namespace Mailflow.Server.Transport.Agents;

internal static partial class AgentLog
{
    [LoggerMessage(2500, LogLevel.Warning, "Transport agent {Agent} gave no answer at {Event} within {TimeoutMs} ms")]
    public static partial void TimedOut(ILogger logger, string agent, AgentEvents @event, double timeoutMs);

    [LoggerMessage(2501, LogLevel.Error, "Transport agent {Agent} failed at {Event}")]
    public static partial void Failed(ILogger logger, string agent, AgentEvents @event, Exception exception);

    [LoggerMessage(2502, LogLevel.Error, "Transport agent {Agent} answered {Verdict} at {Event}, which that event does not allow; ignored")]
    public static partial void InvalidVerdict(ILogger logger, string agent, AgentVerdictKind verdict, AgentEvents @event);
}
