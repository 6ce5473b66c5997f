namespace Mailflow.Configuration;

/// <summary>Someone else saved the object since it was read (optimistic concurrency): reload and try again.</summary>
public sealed class ConfigurationConflictException(string message) : Exception(message);
