using System.Net;
using Mailflow.Data;
using Mailflow.Net;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Receive connectors: who may connect where, and what they may do. Saved changes rebind listeners live.</summary>
public sealed class ReceiveConnectorService(ConfigurationEditor editor)
{
    private const string Noun = "Receive connector";

    public async Task<IReadOnlyList<ReceiveConnector>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<ReceiveConnector>(cancellationToken)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];

    public Task<ReceiveConnector?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        editor.GetAsync<ReceiveConnector>(id, cancellationToken);

    public Task<ReceiveConnector> CreateAsync(AdminActor actor, ReceiveConnector input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var connector = new ReceiveConnector();
        CopyEditableFields(input, connector);
        return editor.CreateAsync(actor, Noun, connector, ValidateAsync, cancellationToken);
    }

    /// <param name="input">The edited connector; its Revision is the one that was read.</param>
    public Task<ReceiveConnector> UpdateAsync(AdminActor actor, ReceiveConnector input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<ReceiveConnector>(actor, Noun, input.Id, input.Revision, c => CopyEditableFields(input, c), ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<ReceiveConnector>(actor, Noun, id, validate: null, cascade: null, cancellationToken);
    }

    /// <summary>A copy with a new name, disabled so its bindings don't clash until the admin changes them (Exchange has no copy; admins ask for it).</summary>
    public async Task<ReceiveConnector> CopyAsync(AdminActor actor, Guid id, string newName, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var source = await GetAsync(id, cancellationToken) ?? throw new ConfigurationNotFoundException("That receive connector no longer exists.");
        var copy = new ReceiveConnector();
        CopyEditableFields(source, copy);
        copy.Name = newName;
        copy.Enabled = false;
        return await editor.CreateAsync(actor, Noun, copy, ValidateAsync, cancellationToken);
    }

    /// <summary>Checks that need no store: the admin center calls it as the admin types.</summary>
    public static ValidationErrors ValidateFields(ReceiveConnector c)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(c.Name))
            errors.Add(nameof(c.Name), "Give the connector a name.");
        else if (c.Name.Length > 128)
            errors.Add(nameof(c.Name), "The name may have at most 128 characters.");

        if (c.Bindings.Count == 0)
            errors.Add(nameof(c.Bindings), "Add at least one binding (IP address and port), for example 0.0.0.0:25.");
        for (var i = 0; i < c.Bindings.Count; i++)
        {
            var b = c.Bindings[i];
            if (!IPAddress.TryParse(b.Address, out _))
                errors.Add(nameof(c.Bindings), $"{b.Address} is not an IP address; use 0.0.0.0 (all IPv4), :: (all IPv6) or one of this machine's addresses.");
            if (b.Port is < 1 or > 65535)
                errors.Add(nameof(c.Bindings), $"Port {b.Port} is out of range: use 1–65535.");
        }
        foreach (var duplicate in c.Bindings.GroupBy(b => b).Where(g => g.Count() > 1))
            errors.Add(nameof(c.Bindings), $"{duplicate.Key} is listed twice.");

        foreach (var text in c.RemoteIpRanges)
            if (!IpRange.TryParse(text, out _, out var error))
                errors.Add(nameof(c.RemoteIpRanges), error!);

        if (!string.IsNullOrWhiteSpace(c.Fqdn) && !DomainNameRules.TryNormalize(c.Fqdn, out _, out var fqdnError))
            errors.Add(nameof(c.Fqdn), fqdnError!);
        if (c.Banner.Contains('\r') || c.Banner.Contains('\n'))
            errors.Add(nameof(c.Banner), "The banner must be a single line.");
        else if (c.Banner.Any(ch => ch > 126 || ch < 32))
            errors.Add(nameof(c.Banner), "The banner may contain printable ASCII characters only (RFC 5321 §4.2).");

        if (c.PermissionGroups == ReceivePermissionGroups.None)
            errors.Add(nameof(c.PermissionGroups), "Choose at least one permission group, or nobody can send through this connector.");
        var offersBasicAuth = c.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.BasicAuth);
        var offersOAuth = c.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.OAuth);
        if (c.PermissionGroups.HasFlag(ReceivePermissionGroups.AuthenticatedUsers) && !offersBasicAuth && !offersOAuth && !c.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.ExternallySecured))
            errors.Add(nameof(c.AuthMechanisms), "Authenticated users can only sign in if basic authentication or OAuth is offered.");
        if (c.TlsMode == ConnectorTlsMode.None && offersOAuth)
            errors.Add(nameof(c.AuthMechanisms), "OAuth is only offered over TLS (a bearer token is a credential): choose STARTTLS or implicit TLS.");
        if (c.TlsMode == ConnectorTlsMode.None && c.AuthMechanisms.HasFlag(ReceiveAuthMechanisms.BasicAuthRequireTls))
            errors.Add(nameof(c.AuthMechanisms), "'Basic authentication only after TLS' needs TLS: choose STARTTLS or implicit TLS, or allow basic authentication without TLS.");
        if (c.TlsMode == ConnectorTlsMode.None && c.RequireTls)
            errors.Add(nameof(c.RequireTls), "Requiring TLS needs a TLS mode: choose STARTTLS or implicit TLS.");

        if (c.MaxMessageSizeBytes is < 1024 or > 2L * 1024 * 1024 * 1024)
            errors.Add(nameof(c.MaxMessageSizeBytes), "The maximum message size must be between 1 KB and 2 GB.");
        if (c.MaxRecipientsPerMessage is < 1 or > 100_000)
            errors.Add(nameof(c.MaxRecipientsPerMessage), "Allow between 1 and 100,000 recipients per message (RFC 5321 §4.5.3.1.8 requires at least 100 for general use).");
        if (c.MaxInboundConnections < 1)
            errors.Add(nameof(c.MaxInboundConnections), "Allow at least one connection.");
        if (c.MaxInboundConnectionsPerSource < 1 || c.MaxInboundConnectionsPerSource > c.MaxInboundConnections)
            errors.Add(nameof(c.MaxInboundConnectionsPerSource), "Connections per source must be at least 1 and no more than the total connection limit.");
        if (c.ConnectionTimeoutSeconds is < 10 or > 86_400)
            errors.Add(nameof(c.ConnectionTimeoutSeconds), "The connection timeout must be between 10 seconds and 24 hours.");
        if (c.IdleTimeoutSeconds is < 5 or > 3600 || c.IdleTimeoutSeconds > c.ConnectionTimeoutSeconds)
            errors.Add(nameof(c.IdleTimeoutSeconds), "The idle timeout must be between 5 seconds and 1 hour, and not longer than the connection timeout.");
        if (c.CommandTimeoutSeconds is < 1 or > 3600 || c.CommandTimeoutSeconds > c.ConnectionTimeoutSeconds)
            errors.Add(nameof(c.CommandTimeoutSeconds), "The command line deadline must be between 1 second and 1 hour, and not longer than the connection timeout.");
        if (c.MinDataRateBytesPerSecond is < 0 or > 100_000_000)
            errors.Add(nameof(c.MinDataRateBytesPerSecond), "The minimum data rate must be between 0 (off) and 100,000,000 bytes per second.");
        if (c.DataRateGraceSeconds is < 1 or > 3600)
            errors.Add(nameof(c.DataRateGraceSeconds), "The data rate grace period must be between 1 second and 1 hour.");
        if (c.GreetPauseMilliseconds is < 0 or > 10_000)
            errors.Add(nameof(c.GreetPauseMilliseconds), "The greet pause must be between 0 and 10 seconds.");
        if (c.MaxProtocolErrors is < 1 or > 1000)
            errors.Add(nameof(c.MaxProtocolErrors), "Allow between 1 and 1000 protocol errors.");
        if (c.TarpitIntervalMilliseconds is < 0 or > 60_000)
            errors.Add(nameof(c.TarpitIntervalMilliseconds), "The tarpit delay must be between 0 and 60 seconds.");
        HopCountLimits.Validate(c.MaxHopCount, c.MaxLocalHopCount, nameof(c.MaxHopCount), nameof(c.MaxLocalHopCount), errors);
        return errors;
    }

    private static async Task ValidateAsync(MailflowDbContext db, ReceiveConnector c, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(c).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        c.Name = c.Name.Trim();
        if (!string.IsNullOrWhiteSpace(c.Fqdn) && DomainNameRules.TryNormalize(c.Fqdn, out var fqdn, out _))
            c.Fqdn = fqdn;
        c.RemoteIpRanges = [.. c.RemoteIpRanges.Select(r => r.Trim()).Where(r => r.Length > 0)];

        var others = await db.ReceiveConnectors.AsNoTracking().Where(o => o.Id != c.Id).ToListAsync(cancellationToken);
        if (others.Any(o => string.Equals(o.Name, c.Name, StringComparison.OrdinalIgnoreCase)))
            errors.Add(nameof(c.Name), $"There is already a receive connector named '{c.Name}'.");
        ValidateBindings(c, others, errors);
        if (c.CertificateId is { } certificateId && !await db.TlsCertificates.AsNoTracking().AnyAsync(t => t.Id == certificateId, cancellationToken))
            errors.Add(nameof(c.CertificateId), CertificateMissing);
    }

    /// <summary>The message for a <see cref="ReceiveConnector.CertificateId"/> that names no stored certificate.</summary>
    public const string CertificateMissing = "That TLS certificate is not stored (any more). Choose a stored certificate or the node default.";

    /// <summary>
    /// Listener clashes between an enabled connector and the other connectors (the configuration
    /// document's planner checks whole sets of connectors with it too).
    /// </summary>
    public static void ValidateBindings(ReceiveConnector c, IEnumerable<ReceiveConnector> others, ValidationErrors errors)
    {
        if (!c.Enabled)
            return;
        foreach (var binding in c.Bindings)
        {
            foreach (var other in others.Where(o => o.Enabled))
            {
                foreach (var theirs in other.Bindings.Where(t => t.Port == binding.Port))
                {
                    if (theirs == binding)
                    {
                        // Connectors may share a binding when their remote IP ranges tell them apart (Exchange does the same).
                        if (SameRanges(c.RemoteIpRanges, other.RemoteIpRanges))
                            errors.Add(nameof(c.Bindings), $"Port {binding.Port} on {binding.Address} is already bound by connector '{other.Name}' with the same remote IP ranges. Give this connector different remote IP ranges or another binding.");
                    }
                    else if (Overlap(binding.Address, theirs.Address))
                    {
                        errors.Add(nameof(c.Bindings), $"Port {binding.Port} on {binding.Address} overlaps {theirs} of connector '{other.Name}': one socket cannot listen on both. Use the same address as '{other.Name}' or another port.");
                    }
                }
            }
        }
    }

    private static bool SameRanges(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        static HashSet<IpRange> Parse(IEnumerable<string> texts) =>
            [.. texts.Select(t => IpRange.TryParse(t, out var r, out _) ? r : null).OfType<IpRange>()];
        return Parse(a).SetEquals(Parse(b));
    }

    /// <summary>
    /// A wildcard and a specific address of the same family on one port cannot both be bound; nor can
    /// 0.0.0.0 and :: (an IPv6 wildcard socket is dual-mode and takes IPv4 too).
    /// </summary>
    private static bool Overlap(string a, string b)
    {
        if (!IPAddress.TryParse(a, out var x) || !IPAddress.TryParse(b, out var y))
            return false;
        static bool IsAny(IPAddress ip) => ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);
        if (IsAny(x) && IsAny(y))
            return true;
        return (IsAny(x) && x.AddressFamily == y.AddressFamily) || (IsAny(y) && y.AddressFamily == x.AddressFamily);
    }

    /// <summary>The fields an admin edits (not id, revision or stored secrets): the one list the service and the editors share.</summary>
    public static void CopyEditableFields(ReceiveConnector from, ReceiveConnector to)
    {
        to.Name = from.Name;
        to.Enabled = from.Enabled;
        to.Bindings = [.. from.Bindings];
        to.RemoteIpRanges = [.. from.RemoteIpRanges];
        to.Fqdn = from.Fqdn;
        to.Banner = from.Banner;
        to.PermissionGroups = from.PermissionGroups;
        to.AuthMechanisms = from.AuthMechanisms;
        to.TlsMode = from.TlsMode;
        to.RequireTls = from.RequireTls;
        to.MaxMessageSizeBytes = from.MaxMessageSizeBytes;
        to.MaxRecipientsPerMessage = from.MaxRecipientsPerMessage;
        to.MaxInboundConnections = from.MaxInboundConnections;
        to.MaxInboundConnectionsPerSource = from.MaxInboundConnectionsPerSource;
        to.ConnectionTimeoutSeconds = from.ConnectionTimeoutSeconds;
        to.IdleTimeoutSeconds = from.IdleTimeoutSeconds;
        to.CommandTimeoutSeconds = from.CommandTimeoutSeconds;
        to.MinDataRateBytesPerSecond = from.MinDataRateBytesPerSecond;
        to.DataRateGraceSeconds = from.DataRateGraceSeconds;
        to.PreGreetingChecks = from.PreGreetingChecks;
        to.GreetPauseMilliseconds = from.GreetPauseMilliseconds;
        to.MaxProtocolErrors = from.MaxProtocolErrors;
        to.TarpitIntervalMilliseconds = from.TarpitIntervalMilliseconds;
        to.BareLineEndings = from.BareLineEndings;
        to.MaxHopCount = from.MaxHopCount;
        to.MaxLocalHopCount = from.MaxLocalHopCount;
        to.SenderAuthentication = from.SenderAuthentication;
        to.ProtocolLogging = from.ProtocolLogging;
        to.CertificateId = from.CertificateId;
    }
}
