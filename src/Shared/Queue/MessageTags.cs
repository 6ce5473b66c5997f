using System.Text.Json;

namespace Mailflow.Queue;

/// <summary>
/// The one format of a message's agent tags as stored in <see cref="QueuedMessage.AgentTags"/>: a JSON
/// object of string values, keys compared without case. Written by the receive path, read by the
/// categorizer (rules), the message details and the trace.
/// </summary>
public static class MessageTags
{
    public static string? Serialize(IEnumerable<KeyValuePair<string, string>> tags)
    {
        var map = tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.OrdinalIgnoreCase);
        return map.Count == 0 ? null : JsonSerializer.Serialize(map);
    }

    /// <summary>The stored tags; empty for null or unreadable text (tags are advisory, never a reason to fail a message).</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
            return Empty;
        try
        {
            var map = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            return map is null ? Empty : new Dictionary<string, string>(map, StringComparer.OrdinalIgnoreCase);
        }
        catch (JsonException)
        {
            return Empty;
        }
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
