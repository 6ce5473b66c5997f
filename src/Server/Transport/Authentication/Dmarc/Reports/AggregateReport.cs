namespace Mailflow.Server.Transport.Authentication.Dmarc.Reports;

/// <summary>A DMARC aggregate report (RFC 7489 §7.2, Appendix C): who reports, about which domain's policy, for which period, and one record per source.</summary>
public sealed record AggregateReport(
    string OrganizationName, string Email, string ReportId, DateTimeOffset Begin, DateTimeOffset End,
    PublishedPolicy Policy, IReadOnlyList<AggregateReportRecord> Records);

/// <summary>The policy_published element: the DMARC record the reporter applied (p, sp, pct, alignment modes).</summary>
public sealed record PublishedPolicy(string Domain, string Adkim, string Aspf, string P, string Sp, int Pct);

/// <summary>
/// One record: messages from one source IP with the same header-from, verdicts and disposition.
/// <paramref name="DkimAligned"/> and <paramref name="SpfAligned"/> are policy_evaluated's "pass"/"fail"
/// (DMARC's aligned view); <paramref name="Dkim"/> and <paramref name="Spf"/> are the raw auth_results.
/// </summary>
public sealed record AggregateReportRecord(
    string SourceIp, long Count, string Disposition, string DkimAligned, string SpfAligned, string HeaderFrom,
    IReadOnlyList<DkimAuthResult> Dkim, IReadOnlyList<SpfAuthResult> Spf, string? EnvelopeTo = null);

public sealed record DkimAuthResult(string Domain, string? Selector, string Result);

public sealed record SpfAuthResult(string Domain, string Scope, string Result);
