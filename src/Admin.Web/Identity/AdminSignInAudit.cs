using Mailflow.Auditing;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// Records admins' sign-ins (successful and failed) and their own password changes in the audit log, next to
/// the changes they make. Never the password; a failed sign-in names the user name that was typed.
/// </summary>
public sealed class AdminSignInAudit(IDbContextFactory<MailflowDbContext> dbFactory, TimeProvider time)
{
    /// <summary>A typed user name is cut to this length: a failed sign-in may carry anything.</summary>
    private const int MaximumNameLength = 128;

    /// <param name="action"><see cref="AuditAction.SignIn"/>, <see cref="AuditAction.SignInFailed"/> or <see cref="AuditAction.PasswordChange"/>.</param>
    /// <param name="detail">Why it failed ("wrong password", "locked out"), the client address; stored as the entry's after state.</param>
    public async Task RecordAsync(AuditAction action, string userName, string? userId, string detail, CancellationToken cancellationToken = default)
    {
        var name = userName.Length > MaximumNameLength ? userName[..MaximumNameLength] : userName;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = name,
            Action = action,
            ObjectType = AdminAccountService.ObjectType,
            ObjectId = userId ?? "",
            ObjectName = name,
            After = System.Text.Json.JsonSerializer.Serialize(new { result = detail }),
            Generation = 0,
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
