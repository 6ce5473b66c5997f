using System.Text.Json;

namespace Mailflow.Cluster;

/// <summary>A receive connector binding that a node could not listen on (port in use, address not on the machine, no permission).</summary>
/// <param name="Binding">As the connector lists it: <c>0.0.0.0:25</c>.</param>
/// <param name="Reason">What the operating system said, in its words: "Address already in use".</param>
public sealed record ListenerBindFailure(Guid ConnectorId, string ConnectorName, string Binding, string Reason)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The form stored in <see cref="NodeRegistration.ListenerFailures"/>; null when every binding listens.</summary>
    public static string? Serialize(IReadOnlyList<ListenerBindFailure> failures) =>
        failures.Count == 0 ? null : JsonSerializer.Serialize(failures, Json);

    /// <summary>Reads <see cref="NodeRegistration.ListenerFailures"/>; an unreadable value (an older node's format) reads as none.</summary>
    public static IReadOnlyList<ListenerBindFailure> Deserialize(string? stored)
    {
        if (string.IsNullOrWhiteSpace(stored))
            return [];
        try
        {
            return JsonSerializer.Deserialize<List<ListenerBindFailure>>(stored, Json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
