using Mailflow.Auditing;

namespace Mailflow.Admin.Web.Auditing;

/// <summary>An audit action in words, as the audit log and the configuration history show it.</summary>
public static class AuditActionText
{
    public static string Of(AuditAction action) => action switch
    {
        AuditAction.Create => "Created",
        AuditAction.Update => "Changed",
        AuditAction.Delete => "Removed",
        AuditAction.Apply => "Applied",
        AuditAction.Suspend => "Suspended",
        AuditAction.Resume => "Resumed",
        AuditAction.Retry => "Retried",
        AuditAction.Remove => "Removed from queue",
        AuditAction.Release => "Released",
        AuditAction.Export => "Exported",
        AuditAction.SignIn => "Signed in",
        AuditAction.SignInFailed => "Sign-in failed",
        AuditAction.PasswordChange => "Password changed",
        _ => action.ToString(),
    };
}
