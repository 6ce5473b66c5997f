namespace Mailflow.Data;

public enum DatabaseProvider
{
    /// <summary>Embedded default: a file in the data directory. One node.</summary>
    Sqlite,
    /// <summary>Production and scale-out: several nodes share one database.</summary>
    Postgres,
}
