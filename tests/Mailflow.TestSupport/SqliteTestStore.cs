using Mailflow.Data;
using Microsoft.Data.Sqlite;

namespace Mailflow.TestSupport;

/// <summary>A real SQLite database file in its own temp directory, deleted on dispose.</summary>
public sealed class SqliteTestStore : IDisposable
{
    public SqliteTestStore()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mailflow-sqlite-").FullName;
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(Directory, "mailflow.db") }.ToString();
    }

    /// <summary>The temp directory; tests may use it as the node's data directory too.</summary>
    public string Directory { get; }

    public string ConnectionString { get; }

    public StoreSettings Settings => new(DatabaseProvider.Sqlite, ConnectionString);

    public void Dispose()
    {
        // Pooled connections keep the file open; release them before deleting it.
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
