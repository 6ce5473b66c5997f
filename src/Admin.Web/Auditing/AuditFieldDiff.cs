using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mailflow.Admin.Web.Auditing;

/// <summary>One field that differs between an audit entry's before and after JSON.</summary>
public sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>Turns an audit entry's before/after JSON into the fields that changed, for a readable diff.</summary>
public static class AuditFieldDiff
{
    /// <summary>Bookkeeping fields that change on every save and say nothing to an admin.</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.OrdinalIgnoreCase) { "Revision" };

    public static IReadOnlyList<FieldChange> Compare(string? before, string? after)
    {
        var old = Parse(before);
        var now = Parse(after);
        var fields = old.Keys.Concat(now.Keys).Distinct(StringComparer.Ordinal).Where(f => !Ignored.Contains(f));
        var changes = new List<FieldChange>();
        foreach (var field in fields)
        {
            var a = old.GetValueOrDefault(field);
            var b = now.GetValueOrDefault(field);
            if (a != b)
                changes.Add(new FieldChange(Humanize(field), a, b));
        }
        return changes;
    }

    /// <summary>"domainName" → "Domain name": audit JSON uses web (camelCase) names.</summary>
    public static string Humanize(string field) => Components.Shared.DisplayText.Words(field);

    private static Dictionary<string, string?> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return [];
        try
        {
            if (JsonNode.Parse(json) is not JsonObject obj)
                return new() { ["(value)"] = json };
            return obj.ToDictionary(p => p.Key, p => p.Value switch
            {
                null => null,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                var other => other.ToJsonString(),
            }, StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new() { ["(value)"] = json };
        }
    }
}
