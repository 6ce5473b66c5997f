using MimeKit;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// Puts a marker in front of a message's subject: a rule's "prepend the subject with" and the anti-spam agent's
/// "[SPAM]". One definition, so both skip a subject that already starts with the marker.
/// </summary>
public static class SubjectPrefix
{
    /// <summary>True when the subject changed.</summary>
    public static bool TryPrepend(MimeMessage message, string prefix)
    {
        var subject = message.Subject ?? "";
        // A reply to a prefixed message already starts with it: "[EXT] [EXT] Re:" helps nobody.
        if (prefix.Length == 0 || subject.StartsWith(prefix.TrimEnd(), StringComparison.OrdinalIgnoreCase))
            return false;
        message.Subject = prefix + subject;
        return true;
    }
}
