namespace Mailflow.Server.Transport.Authentication.Arc;

/// <summary>The ARC chain validation status of a message as RFC 8617 §4.4 and the RFC 8601 registry name it.</summary>
public enum ArcResult
{
    /// <summary>The message carries no ARC set.</summary>
    None,
    /// <summary>Every ARC-Seal and the newest ARC-Message-Signature verify.</summary>
    Pass,
    /// <summary>The chain is broken, malformed, or a key could not be found.</summary>
    Fail,
}

/// <summary>The ARC verdict of one message: the chain status, the newest instance (i=) and the sealing domains, oldest first.</summary>
public sealed record ArcOutcome(ArcResult Result, int Instance, IReadOnlyList<string> SealingDomains, string Reason)
{
    public static readonly ArcOutcome NoChain = new(ArcResult.None, 0, [], "The message carries no ARC set.");

    public string ResultText => Result.ToText();
}

public static class ArcResultText
{
    public static string ToText(this ArcResult result) => result.ToString().ToLowerInvariant();
}
