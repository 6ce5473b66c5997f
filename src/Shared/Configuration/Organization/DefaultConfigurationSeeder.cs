using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Configuration;

/// <summary>
/// First start: Exchange-like defaults, saved as one audited generation. Runs only when the store has
/// no organization settings yet, so an admin's later edits are never overwritten.
/// </summary>
public sealed class DefaultConfigurationSeeder(
    IDbContextFactory<MailflowDbContext> dbFactory,
    ConfigurationChangeWriter writer,
    IOptions<MailflowOptions> options) : IStartupSeeder
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.OrganizationSettings.AnyAsync(cancellationToken))
            return;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var settings = new OrganizationSettings();
        var seed = options.Value.Seed;
        var domainName = DomainNameRules.TryNormalize(options.Value.DefaultDomain, out var normalized, out var error)
            ? normalized
            : throw new InvalidOperationException($"Mailflow:DefaultDomain: {error}");
        var domain = new AcceptedDomain { DomainName = domainName, Type = AcceptedDomainType.Authoritative, IsDefault = true };
        // RFC 5321 §4.5.1: every domain that accepts mail must accept mail for postmaster.
        var postmaster = new Recipient
        {
            Kind = RecipientKind.Mailbox,
            DisplayName = "Postmaster",
            PrimaryAddress = $"postmaster@{domainName}",
            DeliveryKind = MailboxDeliveryKind.Maildir,
            DeliveryTarget = Path.Combine("maildir", $"postmaster@{domainName}"),
        };
        // Protocol logging is on for the seeded connectors: the first look at the protocol log page should find
        // sessions, and the files are pruned by age and size (Mailflow:ProtocolLog).
        ReceiveConnector[] connectors =
        [
            // Exchange's "Default Frontend": mail from the internet and from authenticated users.
            new()
            {
                Name = "Default Frontend",
                Bindings = [new IpBinding(seed.BindAddress, seed.DefaultFrontendPort)],
                PermissionGroups = ReceivePermissionGroups.AnonymousUsers | ReceivePermissionGroups.AuthenticatedUsers,
                AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls,
                TlsMode = ConnectorTlsMode.StartTls,
                ProtocolLogging = ProtocolLoggingLevel.Verbose,
            },
            // Exchange's "Client Frontend": submission by authenticated users; STARTTLS before AUTH.
            new()
            {
                Name = "Client Frontend",
                Bindings = [new IpBinding(seed.BindAddress, seed.ClientFrontendPort)],
                PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
                AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls,
                TlsMode = ConnectorTlsMode.StartTls,
                ProtocolLogging = ProtocolLoggingLevel.Verbose,
            },
            // RFC 8314 implicit TLS submission.
            new()
            {
                Name = "Client Implicit TLS",
                Bindings = [new IpBinding(seed.BindAddress, seed.ImplicitTlsPort)],
                PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
                AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls,
                TlsMode = ConnectorTlsMode.ImplicitTls,
                ProtocolLogging = ProtocolLoggingLevel.Verbose,
            },
        ];

        db.OrganizationSettings.Add(settings);
        db.AcceptedDomains.Add(domain);
        db.Recipients.Add(postmaster);
        db.ReceiveConnectors.AddRange(connectors);
        var changes = new List<AuditChange> { AuditChange.Created(settings), AuditChange.Created(domain), AuditChange.Created(postmaster) };
        changes.AddRange(connectors.Select(AuditChange.Created));
        try
        {
            await writer.CommitAsync(db, AdminActor.System, "Initial configuration", changes, cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two nodes started on an empty shared database at once: if the other one won, its defaults stand.
            await using var check = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (!await check.OrganizationSettings.AnyAsync(cancellationToken))
                throw;
        }
    }
}
