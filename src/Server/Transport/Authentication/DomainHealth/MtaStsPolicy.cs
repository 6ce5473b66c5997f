using System.Globalization;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

public enum MtaStsMode
{
    None,
    Testing,
    Enforce,
}

/// <summary>An MTA-STS policy file (RFC 8461 §3.2): "key: value" lines; version, mode, max_age, and the mx patterns.</summary>
public sealed record MtaStsPolicy(MtaStsMode Mode, long MaxAgeSeconds, IReadOnlyList<string> MxPatterns)
{
    /// <summary>RFC 8461 §3.2: max_age at most 31557600 (about a year).</summary>
    public const long MaxMaxAge = 31_557_600;

    /// <exception cref="FormatException">Not a valid STSv1 policy.</exception>
    public static MtaStsPolicy Parse(string text)
    {
        var fields = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .Select(parts => (Key: parts[0].Trim().ToLowerInvariant(), Value: parts[1].Trim()))
            .ToList();
        string? Single(string key) => fields.FirstOrDefault(f => f.Key == key).Value;
        if (Single("version") != "STSv1")
            throw new FormatException("The policy does not say \"version: STSv1\".");
        var mode = Single("mode") switch
        {
            "enforce" => MtaStsMode.Enforce,
            "testing" => MtaStsMode.Testing,
            "none" => MtaStsMode.None,
            var other => throw new FormatException(other is null ? "The policy has no mode." : $"\"mode: {other}\" is not enforce, testing or none."),
        };
        if (!long.TryParse(Single("max_age"), NumberStyles.None, CultureInfo.InvariantCulture, out var maxAge) || maxAge > MaxMaxAge)
            throw new FormatException($"max_age must be a number of seconds up to {MaxMaxAge}.");
        var mx = fields.Where(f => f.Key == "mx").Select(f => f.Value.ToLowerInvariant().TrimEnd('.')).ToList();
        if (mx.Count == 0 && mode != MtaStsMode.None)
            throw new FormatException("The policy names no mx host.");
        return new MtaStsPolicy(mode, maxAge, mx);
    }

    /// <summary>Whether an MX host matches one of the patterns: exactly, or "*.example.com" for one more label (RFC 8461 §4.1).</summary>
    public bool Matches(string host)
    {
        host = DomainName.Normalize(host);
        return MxPatterns.Any(pattern => pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.Ordinal) && !host[..^(pattern.Length - 1)].Contains('.')
            : host == pattern);
    }
}
