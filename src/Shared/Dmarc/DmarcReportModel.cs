using Microsoft.EntityFrameworkCore;

namespace Mailflow.Dmarc;

/// <summary>
/// What one day of inbound DMARC evaluations saw from one source, counted (RFC 7489 §7.2: the rows of
/// the aggregate reports we send). One row per day, policy domain, header-from, source IP, verdicts
/// and disposition; several nodes may write twin rows, which the report sums.
/// </summary>
public sealed class DmarcObservation : DmarcSourceRow
{
    public long Id { get; set; }
    /// <summary>The UTC day (midnight) the messages arrived.</summary>
    public DateTimeOffset Day { get; set; }
    /// <summary>The domain whose DMARC record applied (the From domain or its organizational domain).</summary>
    public string PolicyDomain { get; set; } = "";
}

/// <summary>
/// What DMARC reports say about messages from one source (RFC 7489 Appendix C row, identifiers and
/// auth_results, with the first DKIM and SPF result): shared by our counts and the reports we receive.
/// </summary>
public abstract class DmarcSourceRow
{
    public string SourceIp { get; set; } = "";
    public long Count { get; set; }
    public string HeaderFrom { get; set; } = "";
    /// <summary>none, quarantine or reject: what the policy asked for these messages.</summary>
    public string Disposition { get; set; } = "none";
    /// <summary>pass or fail: DKIM in alignment (policy_evaluated).</summary>
    public string DkimAligned { get; set; } = "fail";
    public string SpfAligned { get; set; } = "fail";
    /// <summary>The d= of the first passing DKIM signature, else of the first signature; empty when unsigned.</summary>
    public string DkimDomain { get; set; } = "";
    public string DkimResult { get; set; } = "none";
    public string SpfDomain { get; set; } = "";
    public string SpfResult { get; set; } = "none";

    /// <summary>DMARC passes when DKIM or SPF passed in alignment (RFC 7489 §4.2).</summary>
    public bool Passed => DkimAligned == "pass" || SpfAligned == "pass";
}

/// <summary>An aggregate report another organization sent to our rua mailbox about one of our domains.</summary>
public sealed class DmarcReceivedReport
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>The reporter's org_name (e.g. google.com).</summary>
    public string Reporter { get; set; } = "";
    public string ReporterEmail { get; set; } = "";
    /// <summary>The reporter's report_id: with <see cref="Reporter"/>, a report stored twice is stored once.</summary>
    public string ReportId { get; set; } = "";
    public string PolicyDomain { get; set; } = "";
    public DateTimeOffset Begin { get; set; }
    public DateTimeOffset End { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public long MessageCount { get; set; }
    public List<DmarcReceivedRecord> Records { get; set; } = [];
}

/// <summary>One record of a received report: messages from one source IP and how they fared.</summary>
public sealed class DmarcReceivedRecord : DmarcSourceRow
{
    public long Id { get; set; }
    public Guid ReportId { get; set; }
}

public static class DmarcReportModel
{
    public const int DomainLength = 253;
    public const int IpLength = 45;
    public const int WordLength = 16;

    public static void Configure(ModelBuilder b)
    {
        b.Entity<DmarcObservation>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.PolicyDomain).HasMaxLength(DomainLength);
            ConfigureRow(e);
            e.HasIndex(x => new { x.Day, x.PolicyDomain });
        });
        b.Entity<DmarcReceivedReport>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Reporter).HasMaxLength(512);
            e.Property(x => x.ReporterEmail).HasMaxLength(512);
            e.Property(x => x.ReportId).HasMaxLength(512);
            e.Property(x => x.PolicyDomain).HasMaxLength(DomainLength);
            e.HasIndex(x => new { x.Reporter, x.ReportId }).IsUnique();
            e.HasIndex(x => x.End);
            e.HasMany(x => x.Records).WithOne().HasForeignKey(r => r.ReportId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<DmarcReceivedRecord>(e =>
        {
            e.HasKey(x => x.Id);
            ConfigureRow(e);
        });
    }

    private static void ConfigureRow<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> e) where T : DmarcSourceRow
    {
        e.Property(x => x.SourceIp).HasMaxLength(IpLength);
        e.Property(x => x.HeaderFrom).HasMaxLength(DomainLength);
        e.Property(x => x.Disposition).HasMaxLength(WordLength);
        e.Property(x => x.DkimAligned).HasMaxLength(WordLength);
        e.Property(x => x.SpfAligned).HasMaxLength(WordLength);
        e.Property(x => x.DkimDomain).HasMaxLength(DomainLength);
        e.Property(x => x.DkimResult).HasMaxLength(WordLength);
        e.Property(x => x.SpfDomain).HasMaxLength(DomainLength);
        e.Property(x => x.SpfResult).HasMaxLength(WordLength);
        e.Ignore(x => x.Passed);
    }
}
