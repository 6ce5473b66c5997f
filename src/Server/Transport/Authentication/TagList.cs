namespace Mailflow.Server.Transport.Authentication;

/// <summary>
/// The tag=value lists of DKIM signatures and key records (RFC 6376 §3.2) and DMARC records
/// (RFC 7489 §6.4): "name=value" separated by ";", whitespace around names and values ignored, a
/// trailing ";" allowed. A tag that occurs twice makes the whole list invalid.
/// </summary>
public static class TagList
{
    /// <exception cref="FormatException">A tag without "=", an invalid tag name or a duplicate tag.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string text)
    {
        var tags = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in text.Split(';'))
        {
            if (string.IsNullOrWhiteSpace(part))
                continue;
            var equals = part.IndexOf('=');
            if (equals < 0)
                throw new FormatException($"\"{part.Trim()}\" is not a tag=value pair.");
            var name = part[..equals].Trim();
            if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new FormatException($"\"{name}\" is not a valid tag name.");
            if (!seen.Add(name))
                throw new FormatException($"The tag \"{name}\" occurs more than once.");
            tags.Add(new(name, part[(equals + 1)..].Trim()));
        }
        return tags;
    }

    /// <summary>The value with every whitespace character removed (base64 values may be folded).</summary>
    public static string WithoutWhitespace(string value) => string.Concat(value.Where(c => !char.IsWhiteSpace(c)));
}
