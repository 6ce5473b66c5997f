namespace Mailflow.Configuration;

/// <summary>
/// Field-level validation messages, keyed by the property name the admin center and the API show them
/// next to ("DomainName", "Bindings[1]"). Messages are written for people: say what is wrong and how to fix it.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        list.Add(message);
    }

    public IReadOnlyList<string> For(string field) => _errors.TryGetValue(field, out var list) ? list : [];

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public void ThrowIfAny()
    {
        if (!IsEmpty)
            throw new ConfigurationValidationException(ToDictionary());
    }
}
