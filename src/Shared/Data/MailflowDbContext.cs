using Mailflow.Auditing;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Queue;
using Mailflow.Tracking;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Mailflow.Data;

/// <summary>
/// The one store: configuration, admin identities, Data Protection keys (shared so every node can
/// decrypt smart-host passwords), cluster state and audit. The same model on SQLite and PostgreSQL;
/// each provider has its own migrations assembly under migrations/.
/// </summary>
public sealed class MailflowDbContext(DbContextOptions<MailflowDbContext> options)
    : IdentityDbContext<AdminUser>(options), IDataProtectionKeyContext
{
    public DbSet<AcceptedDomain> AcceptedDomains => Set<AcceptedDomain>();
    public DbSet<ReceiveConnector> ReceiveConnectors => Set<ReceiveConnector>();
    public DbSet<SendConnector> SendConnectors => Set<SendConnector>();
    public DbSet<TlsCertificate> TlsCertificates => Set<TlsCertificate>();
    public DbSet<DkimSigningKey> DkimSigningKeys => Set<DkimSigningKey>();
    public DbSet<Recipient> Recipients => Set<Recipient>();
    public DbSet<TransportRule> TransportRules => Set<TransportRule>();
    public DbSet<JournalRule> JournalRules => Set<JournalRule>();
    public DbSet<TransportAgentSetting> TransportAgentSettings => Set<TransportAgentSetting>();
    public DbSet<OrganizationSettings> OrganizationSettings => Set<OrganizationSettings>();
    public DbSet<IpListEntry> IpListEntries => Set<IpListEntry>();
    public DbSet<AddressRewriteEntry> AddressRewriteEntries => Set<AddressRewriteEntry>();
    public DbSet<RemoteDomain> RemoteDomains => Set<RemoteDomain>();
    public DbSet<ProtectionSettings> ProtectionSettings => Set<ProtectionSettings>();
    public DbSet<BlockedSender> BlockedSenders => Set<BlockedSender>();
    public DbSet<NodeRegistration> Nodes => Set<NodeRegistration>();
    public DbSet<ConfigurationGeneration> ConfigurationGenerations => Set<ConfigurationGeneration>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<QueuedMessage> QueuedMessages => Set<QueuedMessage>();
    public DbSet<QueuedRecipient> QueuedRecipients => Set<QueuedRecipient>();
    public DbSet<MessageContent> MessageContents => Set<MessageContent>();
    public DbSet<NextHopSuspension> NextHopSuspensions => Set<NextHopSuspension>();
    public DbSet<MessageTrackingEvent> MessageTrackingEvents => Set<MessageTrackingEvent>();
    public DbSet<ConfigurationFileRecord> ConfigurationFileRecords => Set<ConfigurationFileRecord>();
    public DbSet<Dmarc.DmarcObservation> DmarcObservations => Set<Dmarc.DmarcObservation>();
    public DbSet<Dmarc.DmarcReceivedReport> DmarcReceivedReports => Set<Dmarc.DmarcReceivedReport>();
    public DbSet<Dmarc.DmarcReceivedRecord> DmarcReceivedRecords => Set<Dmarc.DmarcReceivedRecord>();
    public DbSet<DomainHealth.DomainHealthReport> DomainHealthReports => Set<DomainHealth.DomainHealthReport>();
    public DbSet<OperationsSettings> OperationsSettings => Set<OperationsSettings>();
    public DbSet<Operations.Alerts.AlertRecord> Alerts => Set<Operations.Alerts.AlertRecord>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or order DateTimeOffset in SQL; store it as a sortable 64-bit number there.
        if (Database.IsSqlite())
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);

        b.Entity<AcceptedDomain>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.DomainName).HasMaxLength(253).IsRequired();
            e.HasIndex(x => x.DomainName).IsUnique();
            e.Property(x => x.Type).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<ReceiveConnector>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(128).IsRequired();
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Bindings).HasJsonConversion();
            e.Property(x => x.RemoteIpRanges).HasJsonConversion();
            e.Property(x => x.Fqdn).HasMaxLength(253);
            e.Property(x => x.Banner).HasMaxLength(512);
            e.Property(x => x.TlsMode).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.BareLineEndings).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.SenderAuthentication).HasConversion<string>().HasMaxLength(32).HasDefaultValue(SenderAuthenticationMode.Off);
            e.Property(x => x.ProtocolLogging).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<SendConnector>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(128).IsRequired();
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.AddressSpaces).HasJsonConversion();
            e.Property(x => x.SmartHosts).HasJsonConversion();
            e.Property(x => x.SourceNodes).HasJsonConversion();
            e.Property(x => x.RoutingMethod).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.SmartHostAuthentication).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.TlsPolicy).HasConversion<string>().HasMaxLength(64);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<DkimSigningKey>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Domain).HasMaxLength(253).IsRequired();
            e.Property(x => x.Selector).HasMaxLength(253).IsRequired();
            e.HasIndex(x => new { x.Domain, x.Selector }).IsUnique();
            e.Property(x => x.Algorithm).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.PublicKey).HasMaxLength(1024).IsRequired();
            e.Property(x => x.ProtectedPrivateKey).IsRequired();
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
            e.Ignore(x => x.DnsRecordName);
            e.Ignore(x => x.DnsRecordValue);
            e.Ignore(x => x.SignatureAlgorithm);
            e.Ignore(x => x.Lifecycle);
            e.Ignore(x => x.AuditView);
        });

        b.Entity<TlsCertificate>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(128).IsRequired();
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Thumbprint).HasMaxLength(64).IsRequired();
            e.HasIndex(x => x.Thumbprint).IsUnique();
            e.Property(x => x.Subject).HasMaxLength(1024);
            e.Property(x => x.Issuer).HasMaxLength(1024);
            e.Property(x => x.DnsNames).HasJsonConversion();
            e.Property(x => x.ProtectedPkcs12).IsRequired();
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
            e.Ignore(x => x.AuditView);
        });

        b.Entity<Recipient>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.DisplayName).HasMaxLength(256);
            e.Property(x => x.PrimaryAddress).HasMaxLength(320).IsRequired();
            e.HasIndex(x => x.PrimaryAddress).IsUnique();
            e.Property(x => x.ExtraAddresses).HasJsonConversion();
            e.Property(x => x.SendAs).HasJsonConversion();
            e.Property(x => x.MemberIds).HasJsonConversion();
            e.Property(x => x.DeliveryKind).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.AllAddresses);
        });

        b.Entity<TransportAgentSetting>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.AgentName).HasMaxLength(64).IsRequired();
            e.HasIndex(x => x.AgentName).IsUnique();
            e.Property(x => x.FailurePolicy).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.DisabledOnConnectors).HasJsonConversion();
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<IpListEntry>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.List).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Range).HasMaxLength(64).IsRequired();
            e.HasIndex(x => new { x.List, x.Range }).IsUnique();
            e.Property(x => x.Comment).HasMaxLength(IpListEntry.MaxCommentLength);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<AddressRewriteEntry>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(AddressRewriteEntry.MaxNameLength).IsRequired();
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.InternalAddress).HasMaxLength(320).IsRequired();
            e.HasIndex(x => x.InternalAddress).IsUnique();
            e.Property(x => x.ExternalAddress).HasMaxLength(320).IsRequired();
            e.Property(x => x.ExceptionList).HasJsonConversion();
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<RemoteDomain>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(RemoteDomain.MaxNameLength).IsRequired();
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.DomainName).HasMaxLength(255).IsRequired();
            e.HasIndex(x => x.DomainName).IsUnique();
            e.Property(x => x.CharacterSet).HasMaxLength(RemoteDomain.MaxCharsetLength);
            e.Property(x => x.NonMimeCharacterSet).HasMaxLength(RemoteDomain.MaxCharsetLength);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.IsDefault);
            e.Ignore(x => x.DisplayName);
            e.Ignore(x => x.RestrictsMessages);
            e.Ignore(x => x.ShapesContent);
            // The default entry (*) always exists: created with the table, never deleted.
            e.HasData(RemoteDomain.CreateDefault());
        });

        b.Entity<ProtectionSettings>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).ValueGeneratedNever();
            e.Property(x => x.ConnectionFilter).HasJsonConversion();
            e.Property(x => x.AntiSpam).HasJsonConversion();
            e.Property(x => x.AntiMalware).HasJsonConversion();
            e.Property(x => x.SenderFilter).HasJsonConversion();
            e.Property(x => x.RateLimits).HasJsonConversion();
            e.Property(x => x.Quarantine).HasJsonConversion();
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.Id);
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<BlockedSender>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.UserName).HasMaxLength(320).IsRequired();
            e.HasIndex(x => x.UserName).IsUnique();
            e.Property(x => x.Reason).HasMaxLength(BlockedSender.MaxReasonLength);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<JournalRule>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(128).IsRequired();
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Scope).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Recipient).HasMaxLength(320);
            e.Property(x => x.JournalAddress).HasMaxLength(320).IsRequired();
            e.Property(x => x.AlternateJournalAddress).HasMaxLength(320);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });
        b.Entity<TransportRule>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(128).IsRequired();
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.Mode).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.SenderAddressLocation).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.Definition).HasJsonConversion();
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<OrganizationSettings>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).ValueGeneratedNever();
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Property(x => x.PickupDirectoryPath).HasMaxLength(400);
            e.Ignore(x => x.Id);
            e.Ignore(x => x.DisplayName);
        });

        b.Entity<NodeRegistration>(e =>
        {
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(128);
            e.Property(x => x.DrainPhase).HasConversion<string>().HasMaxLength(16);
        });

        b.Entity<ConfigurationFileRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Node).HasMaxLength(128);
            e.Property(x => x.Path).HasMaxLength(ConfigurationFileRecord.PathLength);
            e.Property(x => x.ContentSha256).HasMaxLength(64);
            e.Property(x => x.Mode).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Sections).HasMaxLength(512);
        });

        b.Entity<ConfigurationGeneration>(e =>
        {
            // The database numbers generations (identity / rowid): unique and increasing even with many writers.
            e.HasKey(x => x.Number);
            e.Property(x => x.Number).ValueGeneratedOnAdd();
        });

        b.Entity<AuditEntry>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Action).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(x => x.At);
            e.HasIndex(x => new { x.ObjectType, x.ObjectId });
        });

        b.Entity<ApiKey>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(ApiKeyService.MaximumNameLength).IsRequired();
            e.HasIndex(x => x.Name);
            e.Property(x => x.Role).HasMaxLength(64).IsRequired();
            e.Property(x => x.SecretHash).HasMaxLength(64).IsRequired();
            e.HasIndex(x => x.SecretHash).IsUnique();
            e.Property(x => x.Prefix).HasMaxLength(16);
            e.Property(x => x.CreatedBy).HasMaxLength(256);
            e.Ignore(x => x.IsRevoked);
        });

        QueueModel.Configure(b, Database.IsNpgsql());
        MessageTrackingEvent.Configure(b);
        Dmarc.DmarcReportModel.Configure(b);
        DomainHealth.DomainHealthModel.Configure(b);
        Operations.Alerts.AlertModel.Configure(b);
        b.Entity<OperationsSettings>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).ValueGeneratedNever();
            e.Property(x => x.Alerts).HasJsonConversion();
            e.Property(x => x.LogRetention).HasJsonConversion();
            e.Property(x => x.AlertWebhookSecretProtected).HasMaxLength(4000);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.Ignore(x => x.Id);
            e.Ignore(x => x.DisplayName);
        });
    }
}
