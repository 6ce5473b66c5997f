using System.Globalization;
using System.Text.Json.Nodes;

namespace Mailflow.Cli;

/// <summary>One column of a table: its heading and how to read it from an item.</summary>
public sealed record Column(string Heading, Func<JsonNode, string> Value)
{
    /// <summary>A column showing one property (a list becomes comma-separated, null an empty cell).</summary>
    public static Column Of(string heading, string property) => new(heading, item => Text(item[property]));

    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray array => string.Join(", ", array.Select(Text)),
        JsonObject obj => obj.ToJsonString(),
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value when value.TryGetValue<bool>(out var b) => b ? "yes" : "no",
        _ => node.ToJsonString(),
    };
}

/// <summary>Writes results: readable tables and key/value lists by default, the API's JSON with --json.</summary>
public sealed class Output(TextWriter writer, bool json)
{
    public bool Json { get; } = json;

    public TextWriter Writer { get; } = writer;

    public void Table(JsonNode? items, IReadOnlyList<Column> columns, string empty)
    {
        if (Json)
        {
            Raw(items);
            return;
        }
        var rows = (items as JsonArray ?? []).Where(i => i is not null).Select(i => columns.Select(c => Clean(c.Value(i!))).ToArray()).ToList();
        if (rows.Count == 0)
        {
            Writer.WriteLine(empty);
            return;
        }
        var widths = columns.Select((c, i) => Math.Max(c.Heading.Length, rows.Max(r => r[i].Length))).ToArray();
        Writer.WriteLine(string.Join("  ", columns.Select((c, i) => c.Heading.PadRight(widths[i]))).TrimEnd());
        Writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
            Writer.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }

    /// <summary>One object as "Property: value" lines.</summary>
    public void Details(JsonNode? item)
    {
        if (Json || item is not JsonObject obj)
        {
            Raw(item);
            return;
        }
        var width = obj.Max(p => p.Key.Length);
        foreach (var (name, value) in obj)
            Writer.WriteLine($"{(char.ToUpperInvariant(name[0]) + name[1..]).PadRight(width)}  {Clean(Column.Text(value))}");
    }

    public void Message(string text)
    {
        if (!Json)
            Writer.WriteLine(text);
    }

    public void Raw(JsonNode? node) => Writer.WriteLine(node?.ToJsonString(ApiClient.JsonOptions) ?? "null");

    public static string Time(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : "";

    private static string Clean(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
