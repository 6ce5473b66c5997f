namespace Mailflow.Server.Transport.Authentication.Spf;

/// <summary>The seven results of check_host() (RFC 7208 §2.6).</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>Which identity was checked (RFC 7208 §2.3, §2.4).</summary>
public enum SpfIdentity
{
    MailFrom,
    Helo,
}

/// <summary>
/// The answer of one SPF check: the result, the domain it is about, the admin-readable reason (which
/// mechanism matched, which limit was exceeded) and, on fail, the sender domain's own explanation
/// (its <c>exp=</c> text, macros expanded).
/// </summary>
public sealed record SpfOutcome(SpfResult Result, SpfIdentity Identity, string Domain, string Sender, string Reason, string? Explanation = null, int DnsLookups = 0)
{
    /// <summary>The result as RFC 8601 and the diagnostics API write it ("softfail", "temperror").</summary>
    public string ResultText => Result.ToText();
}

public static class SpfResultText
{
    public static string ToText(this SpfResult result) => result switch
    {
        SpfResult.None => "none",
        SpfResult.Neutral => "neutral",
        SpfResult.Pass => "pass",
        SpfResult.Fail => "fail",
        SpfResult.SoftFail => "softfail",
        SpfResult.TempError => "temperror",
        SpfResult.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    public static bool TryParse(string? text, out SpfResult result)
    {
        foreach (var candidate in Enum.GetValues<SpfResult>())
        {
            if (string.Equals(candidate.ToText(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                result = candidate;
                return true;
            }
        }
        result = SpfResult.None;
        return false;
    }
}
