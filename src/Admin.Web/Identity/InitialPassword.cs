using System.Security.Cryptography;

namespace Mailflow.Admin.Web.Identity;

/// <summary>The random first-start password: 20 characters from an alphabet without look-alikes (0/O, 1/l/I), about 115 bits.</summary>
public static class InitialPassword
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private const int Length = 20;

    public static string Generate()
    {
        // Groups of five read out and type more easily; the dashes also satisfy any symbol rule.
        var raw = RandomNumberGenerator.GetString(Alphabet, Length);
        return string.Join('-', raw.Chunk(5).Select(c => new string(c)));
    }
}
