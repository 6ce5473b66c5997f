namespace Mailflow.Configuration;

/// <summary>The actor's roles do not allow the change.</summary>
public sealed class ConfigurationForbiddenException(string message) : Exception(message);
