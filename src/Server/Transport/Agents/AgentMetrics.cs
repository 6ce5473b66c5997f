using System.Diagnostics.Metrics;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Agents;

/// <summary>The agent pipeline's instruments (see <see cref="MailflowMeter"/>): every verdict of every agent, "Test mail flow" excluded.</summary>
public static class AgentMetrics
{
    public static readonly Counter<long> Verdicts = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.agent.verdicts", "{verdict}", "Transport agent verdicts, by agent name and verdict (Continue, Reject, TempFail, Disconnect, Tarpit, Discard, Quarantine, …).");

    public static void Verdict(string agent, AgentVerdictKind kind) =>
        Verdicts.Add(1, new KeyValuePair<string, object?>("agent", agent), new KeyValuePair<string, object?>("verdict", KindName(kind)));

    /// <summary>Enum names are cached by the runtime; no string is built per verdict.</summary>
    private static string KindName(AgentVerdictKind kind) => Enum.GetName(kind) ?? "Unknown";
}
