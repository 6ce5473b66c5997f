using System.Data.Common;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Tells a store that is away (connection lost or refused, read-only, disk full, locked too long) from a
/// bug: a write that failed for the first reason is worth writing again once the store is back.
/// </summary>
public static class StoreFailure
{
    /// <summary>True when <paramref name="exception"/> (or one it wraps) comes from the store or its connection.</summary>
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException or IOException or TimeoutException or System.Net.Sockets.SocketException)
                return true;
            if (current is AggregateException aggregate && aggregate.InnerExceptions.Any(Is))
                return true;
        }
        return false;
    }
}
