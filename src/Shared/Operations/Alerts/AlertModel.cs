using Microsoft.EntityFrameworkCore;

namespace Mailflow.Operations.Alerts;

public static class AlertModel
{
    public static void Configure(ModelBuilder b) =>
        b.Entity<AlertRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Severity).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Subject).HasMaxLength(AlertRecord.SubjectLength).IsRequired();
            e.Property(x => x.ActiveKey).HasMaxLength(AlertRecord.SubjectLength + 40);
            e.HasIndex(x => x.ActiveKey).IsUnique();
            e.Property(x => x.Text).HasMaxLength(AlertRecord.TextLength).IsRequired();
            e.Property(x => x.Details).HasMaxLength(AlertRecord.DetailsLength).IsRequired();
            e.Property(x => x.Node).HasMaxLength(256).IsRequired();
            e.HasIndex(x => x.ClearedAt);
            e.HasIndex(x => x.RaisedAt);
            e.Ignore(x => x.IsActive);
        });
}
