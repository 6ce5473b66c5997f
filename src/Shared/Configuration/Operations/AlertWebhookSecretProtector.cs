using Microsoft.AspNetCore.DataProtection;

namespace Mailflow.Configuration;

/// <summary>Encrypts the alert webhook's signing secret at rest with Data Protection (the key ring is in the shared store, so every node can sign).</summary>
public sealed class AlertWebhookSecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Mailflow.Alerts.WebhookSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>For the webhook sender only: never show the result to an admin or write it to a log.</summary>
    public string? Unprotect(OperationsSettings settings) =>
        settings.AlertWebhookSecretProtected is { } protectedText ? _protector.Unprotect(protectedText) : null;
}
