using Mailflow.Cluster;
using Mailflow.Operations.Alerts;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Operations.Alerts.Conditions;

/// <summary>A stored TLS certificate, or this node's SMTP certificate, expires within the threshold (or has expired).</summary>
public sealed class CertificateExpiryCondition(IServiceProvider services) : IAlertCondition
{
    public IReadOnlyList<AlertKind> Kinds { get; } = [AlertKind.CertificateExpiring];

    public async Task<IReadOnlyList<AlertObservation>> ObserveAsync(AlertContext context, CancellationToken cancellationToken)
    {
        if (context.Settings.CertificateExpiryDays <= 0)
            return [];
        var horizon = context.Now.AddDays(context.Settings.CertificateExpiryDays);
        var stored = await context.Db.TlsCertificates.AsNoTracking().Select(c => new { c.Name, c.Subject, c.Thumbprint, c.NotAfter }).ToListAsync(cancellationToken);
        var observations = stored.Where(c => c.NotAfter <= horizon)
            .Select(c => Observe($"TLS certificate \"{c.Name}\"", c.Name, c.Subject, c.Thumbprint, c.NotAfter, context, nodeScoped: false))
            .ToList();
        if (services.GetService<INodeCertificateStatus>() is { } node
            && node.Current is { } current
            && current.NotAfter <= horizon
            && !stored.Any(c => string.Equals(c.Thumbprint, current.Thumbprint, StringComparison.OrdinalIgnoreCase)))
            observations.Add(Observe($"The SMTP certificate of node {context.NodeName}", $"{context.NodeName} SMTP certificate", current.Subject, current.Thumbprint, current.NotAfter, context, nodeScoped: true));
        return observations;
    }

    private static AlertObservation Observe(string what, string subject, string certificateSubject, string thumbprint, DateTimeOffset notAfter, AlertContext context, bool nodeScoped)
    {
        var expired = notAfter <= context.Now;
        return new AlertObservation(AlertKind.CertificateExpiring, subject, expired ? AlertSeverity.Critical : AlertSeverity.Warning,
            expired ? $"{what} expired {AlertWords.Duration(context.Now - notAfter)} ago: clients that check certificates refuse it."
                    : $"{what} expires in {AlertWords.Duration(notAfter - context.Now)}. Renew it and upload the new one.",
            $"Subject {certificateSubject}, thumbprint {thumbprint}, valid until {notAfter:u}", nodeScoped);
    }
}
