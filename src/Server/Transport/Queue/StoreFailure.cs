using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Tells a store that is away (connection lost or refused, read-only, disk full, locked too long) from a
/// write the store refuses for what it holds (a bad value, a constraint, a bug): only the first is worth
/// writing again once the store is back; the second would fail the same way for ever.
/// </summary>
public static class StoreFailure
{
    /// <summary>True when <paramref name="exception"/> (or one it wraps) says the store or its connection is away.</summary>
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case StoreUnavailableException:
                    return true;
                case PostgresException postgres:
                    return IsAway(postgres.SqlState);
                case SqliteException sqlite:
                    return IsAway(sqlite.SqliteErrorCode);
                case DbException database when database.IsTransient:
                case IOException or TimeoutException or System.Net.Sockets.SocketException:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(Is):
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// PostgreSQL's classes for a server that is away or cannot write now (connection exception, insufficient
    /// resources, operator intervention such as a shutdown, system error), a read-only transaction (a standby,
    /// or default_transaction_read_only), and serialization failures; not data or constraint errors (class 22, 23).
    /// </summary>
    private static bool IsAway(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState.StartsWith("57", StringComparison.Ordinal) || sqlState.StartsWith("58", StringComparison.Ordinal)
        || sqlState is "25006" or "40001" or "40P01";

    /// <summary>SQLite: busy, locked, read-only, I/O error, disk full, cannot open.</summary>
    private static bool IsAway(int sqliteErrorCode) => (sqliteErrorCode & 0xff) is 5 or 6 or 8 or 10 or 13 or 14;
}
