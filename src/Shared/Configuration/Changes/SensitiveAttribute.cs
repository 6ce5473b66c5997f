namespace Mailflow.Configuration;

/// <summary>Marks a secret (a password hash, an encrypted credential): never written to the audit log, logs or exports as is.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SensitiveAttribute : Attribute;
