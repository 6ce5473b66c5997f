using System.Globalization;

namespace Mailflow.Bench.QueueViewer;

/// <summary>Options of <c>mailflow-bench queue-viewer</c>.</summary>
public sealed record QueueViewerOptions(
    int Messages,
    int Repeat,
    string? SqlitePath,
    string? PostgresConnectionString,
    bool SkipSqlite,
    string? Only = null,
    bool Reuse = false)
{
    public const string Mode = "queue-viewer";

    public const string Usage = """
        mailflow-bench queue-viewer [--messages 100000] [--repeat 7] [--sqlite FILE] [--postgres CONNECTION_STRING] [--no-sqlite] [--only TEXT] [--reuse]
          Seeds N queued messages (about 20 next hops, 1-3 recipients each, some retrying with last
          errors, some suspended or quarantined) straight into a freshly migrated store, then times
          the queue viewer's queries and filter-wide actions through the server's own IQueueOperations
          and prints p50/max milliseconds per query and store.
          --sqlite FILE: the SQLite database file to create (default: a new temp file, deleted afterwards).
          --only TEXT: time only the queries whose name contains TEXT (no filter-wide actions).
          --reuse: the --sqlite FILE was seeded by an earlier run: query it as it is (for iterating on one query).
          --postgres: also run on this PostgreSQL database (must be empty; bench/queue-viewer.sh makes a throwaway cluster).
        """;

    public static QueueViewerOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var skipSqlite = false;
        var reuse = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--no-sqlite")
            {
                skipSqlite = true;
                continue;
            }
            if (args[i] == "--reuse")
            {
                reuse = true;
                continue;
            }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            values[args[i][2..]] = args[++i];
        }
        int Number(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var options = new QueueViewerOptions(
            Number("messages", 100_000),
            Number("repeat", 7),
            values.GetValueOrDefault("sqlite"),
            values.GetValueOrDefault("postgres"),
            skipSqlite,
            values.GetValueOrDefault("only"),
            reuse);
        if (options.Messages < 1000 || options.Repeat < 1)
            throw new ArgumentException("messages must be at least 1000 and repeat at least 1");
        if (options.SkipSqlite && options.PostgresConnectionString is null)
            throw new ArgumentException("--no-sqlite needs --postgres");
        if (options.Reuse && (options.SqlitePath is null || !File.Exists(options.SqlitePath) || options.PostgresConnectionString is not null))
            throw new ArgumentException("--reuse needs --sqlite FILE of an earlier run (and no --postgres)");
        return options;
    }
}
