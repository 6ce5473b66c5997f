namespace Mailflow.Auditing;

public enum AuditAction
{
    Create,
    Update,
    Delete,
    Apply,
    // Queue actions (no configuration generation: Generation is 0 for them).
    Suspend,
    Resume,
    Retry,
    Remove,
    Release,
    Export,
    /// <summary>A queued message's headers and body were shown in the admin center.</summary>
    Preview,
    // Admin sign-ins and passwords (no configuration generation either).
    SignIn,
    SignInFailed,
    SignOut,
    PasswordChange,
    /// <summary>A rate-limit counter was reset by an admin (no configuration generation).</summary>
    Reset,
    /// <summary>A node was asked to drain (maintenance mode); <see cref="Resume"/> takes it back (no configuration generation).</summary>
    Drain,
}

/// <summary>Who changed what, when: appended in the same transaction as the change.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public AuditAction Action { get; set; }
    /// <summary>"AcceptedDomain", "ReceiveConnector", …</summary>
    public string ObjectType { get; set; } = "";
    public string ObjectId { get; set; } = "";
    public string ObjectName { get; set; } = "";
    /// <summary>JSON of the object before the change (null on create).</summary>
    public string? Before { get; set; }
    /// <summary>JSON of the object after the change (null on delete).</summary>
    public string? After { get; set; }
    /// <summary>The configuration generation this change produced.</summary>
    public long Generation { get; set; }
}
