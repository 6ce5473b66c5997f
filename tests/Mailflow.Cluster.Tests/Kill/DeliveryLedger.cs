using System.Text;

namespace Mailflow.Cluster.Tests.Kill;

/// <summary>A moment the server could not keep its books: a SIGKILL (start = end), or a store outage.</summary>
public sealed record Disruption(string What, TimeSpan Start, TimeSpan End);

/// <summary>
/// Compares what the clients were told (<see cref="SmtpLoad"/>) with what the next hop received
/// (<see cref="RecordingSink"/>) after the disruptions, and says what is wrong in plain words:
/// <list type="bullet">
/// <item>every message answered <c>250</c> was delivered (none lost);</item>
/// <item>nothing was delivered that was refused or never sent; of the messages whose reply the client
/// never saw (killed between commit and reply) some may be delivered — at most those;</item>
/// <item>a message delivered more than once has a disruption between each copy and the next (the
/// remote accepted it, then the server died or lost its store before recording that).</item>
/// </list>
/// </summary>
public sealed class DeliveryLedger(SmtpLoad load, RecordingSink sink, IReadOnlyList<Disruption> disruptions)
{
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        var acknowledged = load.Ids(SendOutcome.Acknowledged);
        var unanswered = load.Ids(SendOutcome.Unanswered);
        var delivered = sink.DistinctIds();

        var lost = acknowledged.Except(delivered).Order().ToList();
        if (lost.Count > 0)
            problems.Add($"{lost.Count} acknowledged messages were never delivered: {string.Join(", ", lost.Take(10))}");

        var unexpected = delivered.Except(acknowledged).Except(unanswered).Order().ToList();
        if (unexpected.Count > 0)
            problems.Add($"{unexpected.Count} messages were delivered that were refused or never sent: {string.Join(", ", unexpected.Take(10))}");

        foreach (var copies in sink.Deliveries.GroupBy(d => d.MessageId).Where(g => g.Count() > 1))
        {
            var times = copies.Select(d => d.At).Order().ToList();
            for (var i = 1; i < times.Count; i++)
            {
                var (first, again) = (times[i - 1], times[i]);
                if (!disruptions.Any(d => first <= d.End && again >= d.Start))
                    problems.Add($"{copies.Key} was delivered at {first.TotalSeconds:F2}s and again at {again.TotalSeconds:F2}s with no disruption in between");
            }
        }
        return problems;
    }

    public int Duplicates => sink.Deliveries.Count - sink.DistinctIds().Count;

    public string Report(string scenario)
    {
        var unanswered = load.Ids(SendOutcome.Unanswered);
        var deliveredUnanswered = unanswered.Intersect(sink.DistinctIds()).Count();
        var text = new StringBuilder()
            .Append(scenario).Append(": ").Append(load.Summary())
            .Append("; ").Append(sink.Deliveries.Count).Append(" deliveries of ").Append(sink.DistinctIds().Count).Append(" distinct messages, ")
            .Append(Duplicates).Append(" duplicates; ")
            .Append(deliveredUnanswered).Append(" of the ").Append(unanswered.Count).Append(" unanswered were delivered (committed, the reply lost); disruptions: ")
            .AppendJoin(", ", disruptions.Select(d => d.Start == d.End ? $"{d.What} at {d.Start.TotalSeconds:F1}s" : $"{d.What} {d.Start.TotalSeconds:F1}s–{d.End.TotalSeconds:F1}s"));
        return text.ToString();
    }
}
