using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Mailflow.Server.Transport.Authentication.Dkim;

/// <summary>
/// A DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4.2): key type, acceptable hashes, service types,
/// flags and the public key. An empty p= means the key was revoked.
/// </summary>
public sealed record DkimKeyRecord(string KeyType, IReadOnlyList<string>? AcceptableHashes, IReadOnlyList<string> ServiceTypes, IReadOnlyList<string> Flags, string PublicKeyData)
{
    public bool IsRevoked => PublicKeyData.Length == 0;

    /// <summary>t=s: the i= domain must be d= itself, not a subdomain.</summary>
    public bool IsStrict => Flags.Contains("s");

    /// <summary>t=y: the domain is testing DKIM.</summary>
    public bool IsTesting => Flags.Contains("y");

    /// <exception cref="FormatException">Not a valid key record.</exception>
    public static DkimKeyRecord Parse(string text)
    {
        var tags = TagList.Parse(text);
        if (tags.Count > 0 && tags[0].Key == "v" && tags[0].Value != "DKIM1")
            throw new FormatException($"The key record's version is \"{tags[0].Value}\", not DKIM1.");
        if (tags.Skip(1).Any(t => t.Key == "v"))
            throw new FormatException("The v= tag of a key record must come first.");
        var map = tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        if (!map.TryGetValue("p", out var p))
            throw new FormatException("The key record has no p= tag.");
        static string[] List(string value) => value.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => v.ToLowerInvariant()).ToArray();
        return new DkimKeyRecord(
            map.TryGetValue("k", out var k) ? k.Trim().ToLowerInvariant() : "rsa",
            map.TryGetValue("h", out var h) ? List(h) : null,
            map.TryGetValue("s", out var s) ? List(s) : ["*"],
            map.TryGetValue("t", out var t) ? List(t) : [],
            TagList.WithoutWhitespace(p));
    }

    /// <summary>The public key as BouncyCastle holds it (what MimeKit's verifier takes).</summary>
    /// <exception cref="FormatException">p= is not a key of the record's type.</exception>
    public AsymmetricKeyParameter CreatePublicKey()
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(PublicKeyData);
        }
        catch (FormatException)
        {
            throw new FormatException("The key record's p= is not base64.");
        }
        switch (KeyType)
        {
            case "ed25519":
                // RFC 8463 §4.2: the bare 32-octet key, no ASN.1 wrapping.
                if (bytes.Length != Ed25519PublicKeyParameters.KeySize)
                    throw new FormatException($"An ed25519 key is 32 octets, this one is {bytes.Length}.");
                return new Ed25519PublicKeyParameters(bytes, 0);
            case "rsa":
                try
                {
                    var key = PublicKeyFactory.CreateKey(bytes);
                    return key as RsaKeyParameters ?? throw new FormatException("The key record's p= is not an RSA key.");
                }
                catch (Exception exception) when (exception is ArgumentException or InvalidCastException or IOException or SecurityUtilityException)
                {
                    // Some publishers put a bare RSAPublicKey (PKCS#1) instead of a SubjectPublicKeyInfo.
                    try
                    {
                        var rsa = RsaPublicKeyStructure.GetInstance(Asn1Object.FromByteArray(bytes));
                        return new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent);
                    }
                    catch (Exception inner) when (inner is ArgumentException or InvalidCastException or IOException)
                    {
                        throw new FormatException("The key record's p= is not an RSA public key.");
                    }
                }
            default:
                throw new FormatException($"The key type \"{KeyType}\" is not supported.");
        }
    }
}
