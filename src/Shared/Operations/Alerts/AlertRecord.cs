namespace Mailflow.Operations.Alerts;

/// <summary>
/// One alert, from raised to cleared: active while <see cref="ClearedAt"/> is null. <see cref="ActiveKey"/> is
/// <c>kind|subject</c> while active and null once cleared; its unique index lets nodes that evaluate the same
/// condition raise it only once (NULLs never collide, on SQLite or PostgreSQL).
/// </summary>
public sealed class AlertRecord
{
    public const int SubjectLength = 256;
    public const int TextLength = 1000;
    public const int DetailsLength = 4000;

    public long Id { get; set; }
    public AlertKind Kind { get; set; }
    /// <summary>What the alert is about: a queue's name, a certificate's, a node's, a domain.</summary>
    public string Subject { get; set; } = "";
    public string? ActiveKey { get; set; }
    public AlertSeverity Severity { get; set; }
    /// <summary>The plain-language sentence an admin reads; updated while the alert stays active.</summary>
    public string Text { get; set; } = "";
    /// <summary>The measurement behind it (age, reply, counts), as words.</summary>
    public string Details { get; set; } = "";
    /// <summary>For a condition one node sees about itself (back pressure, its certificate): that node, which alone clears it. Empty: the organization's.</summary>
    public string Node { get; set; } = "";
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    public DateTimeOffset? ClearedAt { get; set; }

    public bool IsActive => ClearedAt is null;

    public static string KeyOf(AlertKind kind, string subject) => $"{kind}|{subject}";
}
