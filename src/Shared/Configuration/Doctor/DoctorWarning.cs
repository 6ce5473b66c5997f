namespace Mailflow.Configuration.Doctor;

public enum DoctorSeverity
{
    /// <summary>Worth knowing; mail flows, perhaps not the way the admin expects.</summary>
    Info,
    /// <summary>Mail is at risk: it may be stuck, refused or bounced.</summary>
    Warning,
    /// <summary>A security problem (open relay, passwords in clear text), or something that already fails (an expired certificate).</summary>
    Critical,
}

/// <summary>One finding of the configuration doctor: what is wrong, why it matters, and where to fix it.</summary>
/// <param name="Check">A stable identifier of the check (e.g. <c>open-relay</c>), for tests and filtering.</param>
/// <param name="Subject">The object the finding is about, as the admin knows it (a connector or domain name).</param>
/// <param name="FixPath">The admin center page (relative URL) where the fix is made.</param>
public sealed record DoctorWarning(DoctorSeverity Severity, string Check, string Subject, string Title, string Explanation, string FixPath);
