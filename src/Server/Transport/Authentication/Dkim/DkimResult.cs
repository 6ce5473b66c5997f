namespace Mailflow.Server.Transport.Authentication.Dkim;

/// <summary>The result of one DKIM signature as RFC 8601 §2.7.1 names them.</summary>
public enum DkimResult
{
    /// <summary>The message carries no DKIM signature (a message-level result only).</summary>
    None,
    Pass,
    /// <summary>The signature did not verify (changed after signing, wrong key) or has expired.</summary>
    Fail,
    Neutral,
    /// <summary>Verifiable in principle but not acceptable to us: rsa-sha1 (RFC 8301 §3.1), an RSA key under 1024 bits (§3.2).</summary>
    Policy,
    /// <summary>The key could not be fetched for now (DNS failure).</summary>
    TempError,
    /// <summary>The signature or its key record is unusable: syntax, missing or revoked key, key not allowed for this use.</summary>
    PermError,
}

/// <summary>One DKIM-Signature header field's verdict.</summary>
/// <param name="Domain">The d= tag (the signing domain, which DMARC aligns with).</param>
/// <param name="Selector">The s= tag.</param>
/// <param name="Identity">The i= tag, when present.</param>
/// <param name="SignaturePrefix">The first characters of b=, to tell signatures apart (RFC 6008).</param>
public sealed record DkimSignatureResult(DkimResult Result, string Domain, string Selector, string Algorithm, string Reason, string? Identity = null, string? SignaturePrefix = null, long? BodyLength = null)
{
    public string ResultText => Result.ToText();
}

public static class DkimResultText
{
    public static string ToText(this DkimResult result) => result.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out DkimResult result) =>
        Enum.TryParse(text?.Trim(), ignoreCase: true, out result) && Enum.IsDefined(result) && !char.IsDigit(text!.Trim()[0]);
}
