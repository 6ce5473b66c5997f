using Mailflow.Auditing;

namespace Mailflow.Configuration;

/// <summary>One object's change inside a configuration generation, as the audit log records it.</summary>
public sealed record AuditChange(AuditAction Action, string ObjectType, string ObjectId, string ObjectName, string? Before, string? After)
{
    public static AuditChange Created(IConfigurationObject created) =>
        new(AuditAction.Create, TypeName(created), created.Id.ToString(), created.DisplayName, null, AuditJson.Serialize(created));

    /// <param name="before">JSON captured with <see cref="AuditJson.Serialize"/> before the object was modified.</param>
    public static AuditChange Updated(string before, IConfigurationObject after) =>
        new(AuditAction.Update, TypeName(after), after.Id.ToString(), after.DisplayName, before, AuditJson.Serialize(after));

    public static AuditChange Deleted(IConfigurationObject deleted) =>
        new(AuditAction.Delete, TypeName(deleted), deleted.Id.ToString(), deleted.DisplayName, AuditJson.Serialize(deleted), null);

    private static string TypeName(IConfigurationObject o) => o.GetType().Name;
}
