using System.Diagnostics.Metrics;
using Mailflow.Configuration;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>The categorizer's instruments (see <see cref="MailflowMeter"/>).</summary>
public static class CategorizeMetrics
{
    public static readonly Counter<long> RuleHits = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.rule.hits", "{hit}", "Mail flow rules that matched a message, by rule name and mode (Enforce, Test).");

    public static void RuleHit(string rule, RuleMode mode) =>
        RuleHits.Add(1, new KeyValuePair<string, object?>("rule", rule), new KeyValuePair<string, object?>("mode", mode == RuleMode.Test ? "Test" : "Enforce"));
}
