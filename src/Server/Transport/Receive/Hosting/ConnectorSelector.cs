using System.Net;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Transport.Receive.Hosting;

/// <summary>
/// Picks the connector for a client when several share a binding, as Exchange does: the one whose
/// remote IP ranges match the client most specifically (the smallest matching range). A connector
/// with no ranges matches everyone but is the least specific. No match: the caller refuses with 421 4.3.2.
/// </summary>
public static class ConnectorSelector
{
    public static ReceivePolicy? Select(IReadOnlyList<ReceivePolicy> candidates, IPAddress client)
    {
        ReceivePolicy? best = null;
        (bool Explicit, System.Numerics.BigInteger Size) bestRank = default;
        foreach (var candidate in candidates)
        {
            (bool Explicit, System.Numerics.BigInteger Size)? rank = null;
            if (candidate.RemoteIpRanges.IsEmpty)
                rank = (false, UInt128.MaxValue);
            else
            {
                foreach (var range in candidate.RemoteIpRanges)
                {
                    if (range.Contains(client) && (rank is null || range.Size < rank.Value.Size))
                        rank = (true, range.Size);
                }
            }
            if (rank is null)
                continue;
            if (best is null || IsMoreSpecific(rank.Value, bestRank))
            {
                best = candidate;
                bestRank = rank.Value;
            }
        }
        return best;
    }

    private static bool IsMoreSpecific((bool Explicit, System.Numerics.BigInteger Size) rank, (bool Explicit, System.Numerics.BigInteger Size) than) =>
        rank.Explicit != than.Explicit ? rank.Explicit : rank.Size < than.Size;
}
