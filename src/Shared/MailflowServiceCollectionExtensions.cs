using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mailflow;

public static class MailflowServiceCollectionExtensions
{
    /// <summary>The store, process options, configuration services and the live configuration snapshot.</summary>
    public static IServiceCollection AddMailflowCore(this IServiceCollection services, IConfiguration configuration, StoreSettings store)
    {
        services.AddOptions<MailflowOptions>().Bind(configuration.GetSection(MailflowOptions.Section));
        services.AddSingleton(store);
        services.AddSingleton(TimeProvider.System);
        services.AddDbContextFactory<MailflowDbContext>(o => store.Configure(o));

        // Configuration: one service per aggregate, all writing through the change writer.
        services.AddSingleton<IConfigurationChangeBus, InProcessConfigurationChangeBus>();
        services.AddSingleton<ConfigurationChangeWriter>();
        services.AddSingleton<ConfigurationEditor>();
        services.AddSingleton<AcceptedDomainService>();
        services.AddSingleton<ReceiveConnectorService>();
        services.AddSingleton<SendConnectorService>();
        services.AddSingleton<MaildirLocation>();
        services.AddSingleton<RecipientService>();
        services.AddSingleton<RecipientDirectory>();
        services.AddSingleton<TransportRuleService>();
        services.AddSingleton<JournalRuleService>();
        services.AddSingleton<OrganizationSettingsService>();
        services.AddSingleton<Dmarc.DmarcReportService>();
        services.AddSingleton<DomainHealth.DomainHealthService>();
        // Needs the engine's ITransportAgentCatalog (registered by the server with the agents it runs).
        services.AddSingleton<TransportAgentService>();
        services.AddSingleton<IpListService>();
        services.AddSingleton<AddressRewriteService>();
        services.AddSingleton<RemoteDomainService>();
        services.AddSingleton<ProtectionSettingsService>();
        services.AddSingleton<OperationsSettingsService>();
        services.AddSingleton<AlertWebhookSecretProtector>();
        services.AddSingleton<Operations.Alerts.AlertQuery>();
        // This node's rate-limit counters (read by "who is throttled now") and the stored blocked senders.
        services.AddSingleton<Security.RateLimitCounters>();
        services.AddSingleton<BlockedSenderService>();
        services.AddSingleton<ThrottlingService>();
        services.AddSingleton<IPasswordHasher<Recipient>, PasswordHasher<Recipient>>();
        services.AddSingleton<SmartHostPasswordProtector>();
        services.AddSingleton<TlsCertificateProtector>();
        services.AddSingleton<TlsCertificateService>();
        services.AddSingleton<DkimKeyProtector>();
        services.AddSingleton<DkimKeyService>();
        services.AddSingleton<DkimKeyRotation>();
        // The key ring lives in the shared store so every node can decrypt smart-host passwords; each
        // key is encrypted with a certificate kept outside the store (Security/KeyEncryptionCertificate).
        var keyEncryption = KeyEncryptionCertificate.Load(
            configuration.GetSection(MailflowOptions.Section).Get<MailflowOptions>() ?? new MailflowOptions(),
            configuration.GetSection(KeyEncryptionOptions.Section).Get<KeyEncryptionOptions>() ?? new KeyEncryptionOptions());
        services.AddSingleton(keyEncryption);
        services.AddDataProtection().SetApplicationName("Mailflow").PersistKeysToDbContext<MailflowDbContext>()
            .ProtectKeysWithCertificate(keyEncryption.Certificate);
        services.AddSingleton<IStartupSeeder, DefaultConfigurationSeeder>();
        // Configuration as code: export / plan / apply, and Mailflow:ConfigFile applied after the defaults.
        services.AddSingleton<ConfigurationAsCodeService>();
        services.AddSingleton<ConfigurationHistoryService>();
        services.AddSingleton<IStartupSeeder, ConfigurationFileSeeder>();
        services.AddSingleton<ConfigurationFileSections>();

        // API keys for the REST API and the CLI; the configured initial key is ensured at start-up.
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<IStartupSeeder, InitialApiKeySeeder>();

        // Read models shared by both faces (the admin center and /api/v1): one query each.
        services.AddSingleton<Auditing.AuditLogQuery>();
        services.AddSingleton<Tracking.MessageTraceQuery>();
        services.AddSingleton<Cluster.NodeStatusQuery>();

        // Live configuration: the snapshot, its refresh loop (poll + in-process signal) and, on PostgreSQL, LISTEN/NOTIFY.
        services.AddSingleton<Cluster.ListenerBindReport>();
        services.AddSingleton<TransportConfigProvider>();
        services.AddHostedService<ConfigurationRefreshLoop>();
        services.AddHostedService<PostgresConfigurationListener>();
        return services;
    }
}
