namespace Mailflow.Configuration;

/// <summary>The change was refused: nothing was saved. <see cref="Errors"/> holds a message per field.</summary>
public sealed class ConfigurationValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception(string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
