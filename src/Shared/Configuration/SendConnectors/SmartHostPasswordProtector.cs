using Microsoft.AspNetCore.DataProtection;

namespace Mailflow.Configuration;

/// <summary>
/// Encrypts smart-host passwords at rest with ASP.NET Core Data Protection. The key ring lives in the
/// shared store, so every node can decrypt what another node saved.
/// </summary>
public sealed class SmartHostPasswordProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Mailflow.SendConnector.SmartHostPassword.v1");

    public string Protect(string password) => _protector.Protect(password);

    /// <summary>For the delivery agent only: never show the result to an admin.</summary>
    public string? Unprotect(SendConnector connector) =>
        connector.SmartHostPasswordProtected is { } protectedText ? _protector.Unprotect(protectedText) : null;
}
