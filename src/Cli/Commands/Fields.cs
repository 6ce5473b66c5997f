using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary>Editing an object's JSON from command-line options: typed options for common fields, <c>--set Field=Value</c> for any field.</summary>
internal static class Fields
{
    public static Option<string[]> SetOption() => new("--set")
    {
        Description = "Set any field as Field=Value (as the API names it; JSON values allowed: 42, true, [\"a\",\"b\"]). Repeatable",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>Sets a property, matching an existing name case-insensitively (the API writes camelCase).</summary>
    public static void Set(JsonObject target, string name, JsonNode? value)
    {
        // A dotted name (Alerts.WebhookUrl) walks into nested objects.
        var dot = name.IndexOf('.');
        if (dot > 0)
        {
            var head = target.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name[..dot], StringComparison.OrdinalIgnoreCase));
            if (head is not null && target[head] is JsonObject inner)
            {
                Set(inner, name[(dot + 1)..], value);
                return;
            }
        }
        var existing = target.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        target[existing ?? char.ToLowerInvariant(name[0]) + name[1..]] = value;
    }

    public static void ApplySets(JsonObject target, string[]? assignments)
    {
        foreach (var assignment in assignments ?? [])
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
                throw new CliException($"--set {assignment}: write it as Field=Value.");
            Set(target, assignment[..equals].Trim(), ParseValue(assignment[(equals + 1)..]));
        }
    }

    /// <summary>JSON when the text is JSON (numbers, true/false, arrays, objects), a string otherwise.</summary>
    public static JsonNode? ParseValue(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    public static JsonArray List(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => (JsonNode?)JsonValue.Create(s))];

    /// <summary>Sizes as admins write them: 50MB, 512KB, 2GB, or bytes. Binary multiples, as Exchange's size limits.</summary>
    public static long ParseSize(string text)
    {
        var t = text.Trim().ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        (string Suffix, long Factor)[] units = [("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1)];
        foreach (var (suffix, factor) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal)
                && decimal.TryParse(t[..^suffix.Length], NumberStyles.Number, CultureInfo.InvariantCulture, out var value) && value >= 0)
                return (long)(value * factor);
        }
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
            return bytes;
        throw new CliException($"'{text}' is not a size: write it like 50MB, 512KB, 2GB or a number of bytes.");
    }

    public static string Size(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var bytes)
            ? bytes switch
            {
                0 => "unlimited",
                _ when bytes % (1L << 30) == 0 => $"{bytes >> 30} GB",
                _ when bytes % (1L << 20) == 0 => $"{bytes >> 20} MB",
                _ when bytes % (1L << 10) == 0 => $"{bytes >> 10} KB",
                _ => $"{bytes} B",
            }
            : Column.Text(node);
}
