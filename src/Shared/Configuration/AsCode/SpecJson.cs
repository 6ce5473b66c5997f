using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Mailflow.Configuration;

/// <summary>
/// Copies between entities and document specs by property name (the specs mirror the entities'
/// editable fields), and tells which fields differ. One mapping rule instead of a hand-written copy
/// per field, so a field added to both sides round-trips without further code.
/// </summary>
internal static class SpecJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static T Copy<T>(object from) =>
        JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(from, from.GetType(), Options), Options)
        ?? throw new InvalidOperationException($"Could not copy {from.GetType().Name} to {typeof(T).Name}.");

    /// <summary>Names (PascalCase, as validation messages key them) of the properties whose values differ.</summary>
    public static IReadOnlyList<string> Differences(object current, object desired)
    {
        var a = (JsonObject)JsonSerializer.SerializeToNode(current, current.GetType(), Options)!;
        var b = (JsonObject)JsonSerializer.SerializeToNode(desired, desired.GetType(), Options)!;
        var names = a.Select(p => p.Key).Union(b.Select(p => p.Key), StringComparer.Ordinal);
        return [.. names.Where(n => !JsonNode.DeepEquals(a[n], b[n])).Select(n => char.ToUpperInvariant(n[0]) + n[1..])];
    }
}
