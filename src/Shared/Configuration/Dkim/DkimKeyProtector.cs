using Microsoft.AspNetCore.DataProtection;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace Mailflow.Configuration;

/// <summary>
/// Encrypts DKIM private keys at rest with ASP.NET Core Data Protection, like
/// <see cref="TlsCertificateProtector"/> and <see cref="SmartHostPasswordProtector"/> (the key ring is
/// in the shared store, so every node can sign with a key another node generated).
/// </summary>
public sealed class DkimKeyProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Mailflow.DkimSigningKey.Pkcs8.v1");

    public byte[] Protect(byte[] pkcs8) => _protector.Protect(pkcs8);

    /// <summary>For the delivery engine only (once per configuration generation). Never show the result.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key ring cannot decrypt it.</exception>
    public AsymmetricKeyParameter Load(DkimSigningKey key)
    {
        var pkcs8 = _protector.Unprotect(key.ProtectedPrivateKey);
        try
        {
            return PrivateKeyFactory.CreateKey(pkcs8);
        }
        finally
        {
            Array.Clear(pkcs8);
        }
    }
}
