using System.Security.Cryptography;
using System.Text;

namespace Mailflow.Identity;

/// <summary>Makes and hashes API key secrets: <c>mf_</c> + 32 random bytes in base64url (43 characters).</summary>
public static class ApiKeySecret
{
    public const string Marker = "mf_";
    private const int RandomBytes = 32;
    private const int PrefixLength = 10;

    public static string Generate() =>
        Marker + Convert.ToBase64String(RandomNumberGenerator.GetBytes(RandomBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>What the key list shows. At most a quarter of the key, so a short configured key does not give itself away.</summary>
    public static string PrefixOf(string secret) => secret[..Math.Min(PrefixLength, secret.Length / 4)];
}
