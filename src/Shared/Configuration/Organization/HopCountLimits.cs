namespace Mailflow.Configuration;

/// <summary>
/// The rule both the organization and each receive connector follow for their hop count limits
/// (Exchange's MaxHopCount and MaxLocalHopCount): one place, so the two pages say the same thing.
/// </summary>
public static class HopCountLimits
{
    /// <summary>Exchange accepts up to 500 hops; more only lets a loop run longer.</summary>
    public const int Highest = 500;

    public static void Validate(int maxHopCount, int maxLocalHopCount, string hopField, string localField, ValidationErrors errors)
    {
        if (maxHopCount is < 1 or > Highest)
            errors.Add(hopField, $"Allow between 1 and {Highest} Received header fields (hops) per message.");
        if (maxLocalHopCount < 1 || maxLocalHopCount > Math.Max(1, maxHopCount))
            errors.Add(localField, "Allow at least 1 hop through our own servers, and no more than the hop count limit.");
    }
}
