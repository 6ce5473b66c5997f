using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mailflow.Configuration;

/// <summary>
/// The before/after JSON of an audited object. Properties marked <see cref="SensitiveAttribute"/>
/// are replaced by a marker that only says whether a value is set, so the audit log shows that a
/// password changed without showing it.
/// </summary>
public static class AuditJson
{
    public const string SecretSetMarker = "(secret set)";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { RedactSensitive } },
    };

    public static string Serialize(object value)
    {
        if (value is IAuditedAs audited)
            value = audited.AuditView;
        return JsonSerializer.Serialize(value, value.GetType(), Options);
    }

    private static void RedactSensitive(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
            return;
        for (var i = 0; i < typeInfo.Properties.Count; i++)
        {
            var property = typeInfo.Properties[i];
            if (property.AttributeProvider is not PropertyInfo info || info.GetCustomAttribute<SensitiveAttribute>() is null)
                continue;
            var getter = property.Get;
            var redacted = typeInfo.CreateJsonPropertyInfo(typeof(string), property.Name);
            redacted.Get = o => getter?.Invoke(o) is null ? null : SecretSetMarker;
            typeInfo.Properties[i] = redacted;
        }
    }
}
