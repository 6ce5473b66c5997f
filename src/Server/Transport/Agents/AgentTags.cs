using System.Collections;
using System.Globalization;

namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// Named facts agents attach to a session or a message (a spam score, an authentication verdict, a
/// block-list hit). Message tags are stored with the message (<c>QueuedMessage.AgentTags</c>), so the
/// categorizer, mail flow rules, the message details and the trace read what the agents found.
/// Names are dotted and lower case by convention (<c>spf.result</c>, <c>spam.score</c>); the well-known
/// ones are in <see cref="AgentTagNames"/>.
/// </summary>
public sealed class AgentTags : IReadOnlyDictionary<string, string>
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public AgentTags()
    {
    }

    public AgentTags(IEnumerable<KeyValuePair<string, string>> values)
    {
        foreach (var (key, value) in values)
            _values[key] = value;
    }

    public void Set(string name, string value) => _values[name] = value;

    public void Set(string name, double value) => _values[name] = value.ToString("0.###", CultureInfo.InvariantCulture);

    public void Set(string name, bool value) => _values[name] = value ? "true" : "false";

    public bool Remove(string name) => _values.Remove(name);

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public double? GetNumber(string name) =>
        _values.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    public bool IsTrue(string name) => _values.TryGetValue(name, out var text) && text == "true";

    public string this[string key] => _values[key];
    public IEnumerable<string> Keys => _values.Keys;
    public IEnumerable<string> Values => _values.Values;
    public int Count => _values.Count;
    public bool ContainsKey(string key) => _values.ContainsKey(key);
    public bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Tag names more than one component reads: one definition each.</summary>
public static class AgentTagNames
{
    /// <summary>Session tag: the client is on the connection filter's allow list (block lists are skipped).</summary>
    public const string ConnectionAllowed = "connection.allowed";
    /// <summary>Message tag: spam confidence level (0–9) the mail flow rules' SCL condition reads.</summary>
    public const string SpamConfidenceLevel = Mailflow.Queue.MessageTagNames.SpamConfidenceLevel;
    /// <summary>Message tag: the anti-spam engine's score.</summary>
    public const string SpamScore = Mailflow.Queue.MessageTagNames.SpamScore;
    public const string SpfResult = Mailflow.Queue.MessageTagNames.SpfResult;
    public const string DkimResult = Mailflow.Queue.MessageTagNames.DkimResult;
    public const string DmarcResult = Mailflow.Queue.MessageTagNames.DmarcResult;
    public const string MalwareResult = Mailflow.Queue.MessageTagNames.MalwareResult;
    /// <summary>Message tag: an agent asked to hold the message in quarantine; the categorizer does, with this reason.</summary>
    public const string QuarantineReason = Mailflow.Queue.MessageTagNames.QuarantineReason;
    public const string HopCount = Mailflow.Queue.MessageTagNames.HopCount;
    public const string LocalHopCount = Mailflow.Queue.MessageTagNames.LocalHopCount;
    /// <summary>
    /// Message tag: the anti-spam agent asks for this text in front of the subject. The categorizer puts it there in the
    /// stored content (the session cannot: the subject is inside the message, and the 250 waits for nothing but the store).
    /// </summary>
    public const string SpamSubjectPrefix = Mailflow.Queue.MessageTagNames.SpamSubjectPrefix;
}
