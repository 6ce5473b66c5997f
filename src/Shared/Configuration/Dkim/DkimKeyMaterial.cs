using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Mailflow.Configuration;

/// <summary>A key pair as Mailflow stores it: the p= value to publish and the PKCS#8 private key (to protect at once).</summary>
public sealed record DkimKeyPair(DkimKeyAlgorithm Algorithm, string PublicKey, byte[] Pkcs8);

/// <summary>
/// The one place DKIM key formats are made and read: fresh RSA-2048 and Ed25519 pairs, and private
/// keys an admin imports as PEM (PKCS#8 "PRIVATE KEY", or PKCS#1 "RSA PRIVATE KEY" as OpenSSL and
/// opendkim-genkey write them).
/// </summary>
public static class DkimKeyMaterial
{
    /// <summary>Smallest RSA key Mailflow signs with: RFC 8301 allows 1024 bits, but large receivers treat those as weak.</summary>
    public const int MinimumRsaBits = 2048;

    public static DkimKeyPair Generate(DkimKeyAlgorithm algorithm)
    {
        AsymmetricCipherKeyPair pair;
        if (algorithm == DkimKeyAlgorithm.Ed25519)
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            pair = generator.GenerateKeyPair();
        }
        else
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
            pair = generator.GenerateKeyPair();
        }
        return ToPair(pair.Private, pair.Public);
    }

    /// <summary>Reads a PEM private key (RSA of at least <see cref="MinimumRsaBits"/> bits, or Ed25519).</summary>
    /// <exception cref="FormatException">Not a PEM private key Mailflow can sign with; the message says why (never the key).</exception>
    public static DkimKeyPair ImportPem(string pem)
    {
        object? read;
        try
        {
            using var reader = new StringReader(pem ?? "");
            read = new PemReader(reader).ReadObject();
        }
        catch (Exception exception) when (exception is IOException or PemException or ArgumentException or InvalidCastException)
        {
            throw new FormatException("The text is not a readable PEM private key.");
        }
        AsymmetricKeyParameter? privateKey = read switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } key => key,
            _ => null,
        };
        return privateKey switch
        {
            RsaPrivateCrtKeyParameters rsa when rsa.Modulus.BitLength < MinimumRsaBits =>
                throw new FormatException($"The RSA key has {rsa.Modulus.BitLength} bits; Mailflow signs with RSA keys of at least {MinimumRsaBits} bits."),
            RsaPrivateCrtKeyParameters rsa => ToPair(rsa, new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)),
            Ed25519PrivateKeyParameters ed => ToPair(ed, ed.GeneratePublicKey()),
            null => throw new FormatException("Paste a PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----); an encrypted key or a public key cannot be imported."),
            _ => throw new FormatException("Only RSA and Ed25519 keys sign DKIM (RFC 8301, RFC 8463)."),
        };
    }

    private static DkimKeyPair ToPair(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey)
    {
        var algorithm = publicKey is Ed25519PublicKeyParameters ? DkimKeyAlgorithm.Ed25519 : DkimKeyAlgorithm.Rsa2048;
        var p = publicKey is Ed25519PublicKeyParameters ed
            ? Convert.ToBase64String(ed.GetEncoded())
            : Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetEncoded());
        return new DkimKeyPair(algorithm, p, PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded());
    }
}
