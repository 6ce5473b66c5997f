using Mailflow.Tracking;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// Reads the hourly protocol log files that <see cref="FileProtocolLog"/> writes. Files can be large,
/// so they are read line by line (never whole), only the hours of the asked window, newest first,
/// and reading stops once enough sessions are found. Files still being written are opened with
/// FileShare.ReadWrite so the writer is never blocked.
/// </summary>
public sealed class FileProtocolLogReader(FileProtocolLog log, FileProtocolLog? sendLog = null) : IProtocolLogReader
{
    /// <summary>The receive log, and the send log when there is one (DI passes <see cref="Deliver.Smtp.SendProtocolLog"/>'s).</summary>
    private IEnumerable<(FileProtocolLog Log, ProtocolLogOutcome.Direction Direction)> Logs =>
        sendLog is null ? [(log, ProtocolLogOutcome.Direction.Receive)]
        : [(log, ProtocolLogOutcome.Direction.Receive), (sendLog, ProtocolLogOutcome.Direction.Send)];

    /// <summary>At most this many hourly files per search (a week).</summary>
    public const int MaxFiles = 24 * 7;
    /// <summary>A session's lines are looked for in its start hour and the hours after it, up to this many.</summary>
    private const int SessionHours = 3;

    public async Task<IReadOnlyList<ProtocolLogSession>> FindSessionsAsync(ProtocolLogSearch search, CancellationToken cancellationToken = default)
    {
        var max = Math.Clamp(search.MaxSessions, 1, 5000);
        var sessions = new Dictionary<string, SessionBuilder>(StringComparer.Ordinal);
        foreach (var (path, direction) in FilesBetween(search.From, search.To).Reverse())
        {
            await foreach (var line in ReadLinesAsync(path, cancellationToken))
            {
                if (sessions.TryGetValue(line.SessionId, out var known))
                {
                    known.Add(line);
                    continue;
                }
                if (line.Time < search.From || line.Time > search.To)
                    continue;
                if (search.ClientAddress is { Length: > 0 } ip && !string.Equals(line.RemoteAddress, ip.Trim(), StringComparison.OrdinalIgnoreCase))
                    continue;
                if (search.Connector is { Length: > 0 } connector && !line.Connector.Contains(connector.Trim(), StringComparison.OrdinalIgnoreCase))
                    continue;
                var builder = new SessionBuilder(line, direction);
                sessions[line.SessionId] = builder;
            }
            // Files are visited newest first; once enough sessions started in newer files, older ones cannot make the cut.
            if (sessions.Count >= max)
                break;
        }
        return sessions.Values.Select(s => s.Build()).OrderByDescending(s => s.Start).Take(max).ToList();
    }

    public async Task<IReadOnlyList<ProtocolLogLine>> ReadSessionAsync(string sessionId, DateTimeOffset start, CancellationToken cancellationToken = default)
    {
        var lines = new List<ProtocolLogLine>();
        foreach (var (path, _) in FilesBetween(start, start.AddHours(SessionHours)))
        {
            await foreach (var line in ReadLinesAsync(path, cancellationToken))
            {
                if (line.SessionId == sessionId)
                    lines.Add(line);
            }
        }
        return lines;
    }

    /// <summary>The hourly files of the window, oldest hour first (receive before send within an hour).</summary>
    private IEnumerable<(string Path, ProtocolLogOutcome.Direction Direction)> FilesBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var hour = new DateTimeOffset(from.UtcDateTime.Year, from.UtcDateTime.Month, from.UtcDateTime.Day, from.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        for (var i = 0; hour <= to && i < MaxFiles; i++, hour = hour.AddHours(1))
        {
            foreach (var (kind, direction) in Logs)
            {
                var path = Path.Combine(kind.Directory, FileProtocolLog.FileNameFor(hour, kind.Prefix));
                if (File.Exists(path))
                    yield return (path, direction);
            }
        }
    }

    private static async IAsyncEnumerable<ProtocolLogLine> ReadLinesAsync(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            if (ProtocolLogLine.Parse(text) is { } line)
                yield return line;
        }
    }

    private sealed class SessionBuilder
    {
        private readonly ProtocolLogLine _first;
        private readonly ProtocolLogOutcome.Direction _direction;
        private readonly ProtocolLogOutcome _outcome;
        private DateTimeOffset _start;
        private DateTimeOffset _end;
        private int _count = 1;

        public SessionBuilder(ProtocolLogLine first, ProtocolLogOutcome.Direction direction)
        {
            _first = first;
            _direction = direction;
            _outcome = new ProtocolLogOutcome(direction);
            _outcome.Add(first);
            _start = _end = first.Time;
        }

        // Files are read newest first, so a session crossing an hour shows its later lines before its earlier ones.
        public void Add(ProtocolLogLine line)
        {
            _count++;
            _outcome.Add(line);
            if (line.Time > _end)
                _end = line.Time;
            if (line.Time < _start)
                _start = line.Time;
        }

        public ProtocolLogSession Build() =>
            new(_first.SessionId, _first.Connector, _first.LocalEndPoint, _first.RemoteEndPoint, _start, _end, _count, _direction, _outcome.Result);
    }
}
