using System.Net;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Send connectors: which next hop mail for which domains leaves through.</summary>
public sealed class SendConnectorService(ConfigurationEditor editor, SmartHostPasswordProtector passwords)
{
    private const string Noun = "Send connector";

    public async Task<IReadOnlyList<SendConnector>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<SendConnector>(cancellationToken)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];

    public Task<SendConnector?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        editor.GetAsync<SendConnector>(id, cancellationToken);

    /// <param name="newSmartHostPassword">The smart-host password to store (encrypted); null keeps the stored one.</param>
    public Task<SendConnector> CreateAsync(AdminActor actor, SendConnector input, string? newSmartHostPassword = null, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var connector = new SendConnector();
        CopyEditableFields(input, connector);
        ApplyPassword(connector, newSmartHostPassword);
        return editor.CreateAsync(actor, Noun, connector, ValidateAsync, cancellationToken);
    }

    /// <param name="input">The edited connector; its Revision is the one that was read. Its protected password is ignored.</param>
    /// <param name="newSmartHostPassword">A new smart-host password; null keeps the stored one.</param>
    public Task<SendConnector> UpdateAsync(AdminActor actor, SendConnector input, string? newSmartHostPassword = null, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<SendConnector>(actor, Noun, input.Id, input.Revision, c =>
        {
            CopyEditableFields(input, c);
            ApplyPassword(c, newSmartHostPassword);
        }, ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<SendConnector>(actor, Noun, id, validate: null, cascade: null, cancellationToken);
    }

    public static ValidationErrors ValidateFields(SendConnector c)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(c.Name))
            errors.Add(nameof(c.Name), "Give the connector a name.");
        else if (c.Name.Length > 128)
            errors.Add(nameof(c.Name), "The name may have at most 128 characters.");

        if (c.AddressSpaces.Count == 0)
            errors.Add(nameof(c.AddressSpaces), "Add at least one address space: a domain (contoso.com), all its subdomains (*.contoso.com) or every domain (*).");
        foreach (var space in c.AddressSpaces)
        {
            if (!AddressSpaceRules.TryNormalize(space.Domain, out _, out var error))
                errors.Add(nameof(c.AddressSpaces), error!);
            if (space.Cost is < 1 or > 100)
                errors.Add(nameof(c.AddressSpaces), $"The cost of {space.Domain} must be between 1 and 100.");
        }
        foreach (var duplicate in c.AddressSpaces.GroupBy(s => s.Domain.Trim().ToLowerInvariant()).Where(g => g.Count() > 1))
            errors.Add(nameof(c.AddressSpaces), $"{duplicate.Key} is listed twice.");

        if (c.RoutingMethod == SendRoutingMethod.SmartHost && c.SmartHosts.Count == 0)
            errors.Add(nameof(c.SmartHosts), "Add at least one smart host (host or host:port), or route by DNS MX records.");
        foreach (var host in c.SmartHosts)
            if (!SmartHostRules.TryParse(host, out _, out _, out var error))
                errors.Add(nameof(c.SmartHosts), error!);

        if (c.SmartHostAuthentication == SmartHostAuthentication.Basic)
        {
            if (c.RoutingMethod != SendRoutingMethod.SmartHost)
                errors.Add(nameof(c.SmartHostAuthentication), "Authentication applies to smart hosts only: route through smart hosts, or choose no authentication.");
            if (string.IsNullOrWhiteSpace(c.SmartHostUsername))
                errors.Add(nameof(c.SmartHostUsername), "Enter the user name for the smart host.");
            if (c.SmartHostPasswordProtected is null)
                errors.Add("SmartHostPassword", "Enter the password for the smart host.");
            if (c.TlsPolicy == OutboundTlsPolicy.Opportunistic)
                errors.Add(nameof(c.TlsPolicy), "Basic authentication would send the password in clear text if the smart host offers no TLS: require TLS with certificate validation.");
            else if (c.TlsPolicy != OutboundTlsPolicy.RequiredWithCertificateValidation)
                errors.Add(nameof(c.TlsPolicy), "Basic authentication sends the password to whoever answers: require TLS with certificate validation, so only the real smart host gets it.");
        }
        if (!string.IsNullOrWhiteSpace(c.TlsCertificateDomain) && !DomainNameRules.TryNormalize(c.TlsCertificateDomain.TrimStart('*', '.'), out _, out var certError))
            errors.Add(nameof(c.TlsCertificateDomain), certError!);
        if (c.Port is < 1 or > 65535)
            errors.Add(nameof(c.Port), $"Port {c.Port} is out of range: use 1–65535.");
        if (!string.IsNullOrWhiteSpace(c.HeloFqdn) && !DomainNameRules.TryNormalize(c.HeloFqdn, out _, out var heloError))
            errors.Add(nameof(c.HeloFqdn), heloError!);
        if (c.MaxMessageSizeBytes < 0)
            errors.Add(nameof(c.MaxMessageSizeBytes), "The maximum message size cannot be negative (0 means no limit).");
        if (c.MaxConcurrentConnections is < 1 or > 1000)
            errors.Add(nameof(c.MaxConcurrentConnections), "Allow between 1 and 1000 connections per next hop.");
        if (c.MaxMessagesPerConnection is < 1 or > 10_000)
            errors.Add(nameof(c.MaxMessagesPerConnection), "Send between 1 and 10,000 messages per connection.");
        foreach (var node in c.SourceNodes)
            if (string.IsNullOrWhiteSpace(node))
                errors.Add(nameof(c.SourceNodes), "A source node name cannot be empty.");
        return errors;
    }

    private static async Task ValidateAsync(MailflowDbContext db, SendConnector c, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(c).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        c.Name = c.Name.Trim();
        c.AddressSpaces = [.. c.AddressSpaces.Select(s => AddressSpaceRules.TryNormalize(s.Domain, out var d, out _) ? s with { Domain = d } : s)];
        c.SmartHosts = [.. c.SmartHosts.Select(h => h.Trim())];
        if (await db.SendConnectors.AsNoTracking().AnyAsync(o => o.Id != c.Id && o.Name.ToLower() == c.Name.ToLower(), cancellationToken))
            errors.Add(nameof(c.Name), $"There is already a send connector named '{c.Name}'.");
    }

    private void ApplyPassword(SendConnector connector, string? newPassword)
    {
        if (connector.SmartHostAuthentication == SmartHostAuthentication.None)
            connector.SmartHostPasswordProtected = null;
        else if (!string.IsNullOrEmpty(newPassword))
            connector.SmartHostPasswordProtected = passwords.Protect(newPassword);
    }

    /// <summary>The fields an admin edits (not id, revision or stored secrets): the one list the service and the editors share.</summary>
    public static void CopyEditableFields(SendConnector from, SendConnector to)
    {
        to.Name = from.Name;
        to.Enabled = from.Enabled;
        to.AddressSpaces = [.. from.AddressSpaces];
        to.RoutingMethod = from.RoutingMethod;
        to.SmartHosts = [.. from.SmartHosts];
        to.SmartHostAuthentication = from.SmartHostAuthentication;
        to.SmartHostUsername = from.SmartHostUsername;
        to.TlsPolicy = from.TlsPolicy;
        to.TlsCertificateDomain = from.TlsCertificateDomain;
        to.MtaSts = from.MtaSts;
        to.Dane = from.Dane;
        to.Port = from.Port;
        to.HeloFqdn = from.HeloFqdn;
        to.MaxMessageSizeBytes = from.MaxMessageSizeBytes;
        to.SourceNodes = [.. from.SourceNodes];
        to.MaxConcurrentConnections = from.MaxConcurrentConnections;
        to.MaxMessagesPerConnection = from.MaxMessagesPerConnection;
    }
}
