using Mailflow.DomainHealth;

namespace Mailflow.Configuration.Doctor;

/// <summary>
/// The doctor's findings from the stored domain health reports: the configuration is valid, but DNS
/// does not say what receivers need (no SPF, a DKIM key that is not published…). One finding per
/// domain with a failing or weak check, naming the checks, with a link to the domain's health.
/// </summary>
public static class DomainHealthDoctor
{
    public const string Check = "domain-health";
    public const string PagePath = "mail-flow/domain-health";

    /// <summary>The page of one domain's health (the list page with that domain open).</summary>
    public static string DomainPath(string domain) => $"{PagePath}/{Uri.EscapeDataString(domain)}";

    public static IReadOnlyList<DoctorWarning> Examine(IEnumerable<DomainHealthReport> reports, IReadOnlyCollection<string>? acceptedDomains = null) =>
        [.. reports
            .Where(r => r.Status != DomainHealthStatus.Ok)
            .Where(r => acceptedDomains is null || acceptedDomains.Contains(r.Domain, StringComparer.OrdinalIgnoreCase))
            .OrderByDescending(r => r.Status).ThenBy(r => r.Domain, StringComparer.Ordinal)
            .Select(Finding)];

    private static DoctorWarning Finding(DomainHealthReport report)
    {
        var failing = report.Checks.Where(c => c.Status == DomainHealthStatus.Fail).Select(c => c.Title).ToList();
        var weak = report.Checks.Where(c => c.Status == DomainHealthStatus.Warn).Select(c => c.Title).ToList();
        var parts = new List<string>();
        if (failing.Count > 0)
            parts.Add($"Failing: {string.Join("; ", failing)}.");
        if (weak.Count > 0)
            parts.Add($"Warnings: {string.Join("; ", weak)}.");
        var title = report.Status == DomainHealthStatus.Fail
            ? $"The DNS of {report.Domain} has problems receivers will notice"
            : $"The DNS of {report.Domain} could be stronger";
        var explanation = string.Join(" ", parts)
                          + (report.Status == DomainHealthStatus.Fail
                              ? " Receivers may junk or refuse mail from this domain, or not find its mail server."
                              : "")
                          + " The domain health page shows the exact records to publish.";
        return new DoctorWarning(report.Status == DomainHealthStatus.Fail ? DoctorSeverity.Warning : DoctorSeverity.Info,
            Check, report.Domain, title, explanation, DomainPath(report.Domain));
    }
}
