namespace Mailflow.Configuration;

public sealed class ConfigurationNotFoundException(string message) : Exception(message);
