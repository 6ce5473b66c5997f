namespace Mailflow.Configuration;

public enum CertificateExpiry
{
    Valid,
    /// <summary>Fewer than 30 days left (<see cref="TlsCertificate.ExpiryWarningPeriod"/>).</summary>
    ExpiringSoon,
    Expired,
}

/// <summary>The one rule for "expired" and "expiring soon", shared by the service, the admin center and the API.</summary>
public static class CertificateExpiryRules
{
    public static CertificateExpiry Classify(DateTimeOffset notAfter, DateTimeOffset now) =>
        notAfter <= now ? CertificateExpiry.Expired
        : notAfter - now < TlsCertificate.ExpiryWarningPeriod ? CertificateExpiry.ExpiringSoon
        : CertificateExpiry.Valid;

    /// <summary>A sentence for an admin, or null while the certificate has more than 30 days left.</summary>
    public static string? Warning(string name, DateTimeOffset notAfter, DateTimeOffset now) => Classify(notAfter, now) switch
    {
        CertificateExpiry.Expired => $"{name} expired on {notAfter:yyyy-MM-dd}. Clients that check certificates refuse it: import a renewed one.",
        CertificateExpiry.ExpiringSoon => $"{name} expires on {notAfter:yyyy-MM-dd}, in {Math.Max(0, (int)Math.Floor((notAfter - now).TotalDays))} days. Renew it soon.",
        _ => null,
    };
}
