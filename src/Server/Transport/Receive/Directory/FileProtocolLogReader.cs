using System.Globalization;
using System.Text;
using Mailflow.Tracking;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// Reads the hourly <c>RECV{yyyyMMddHH}.log</c> files <see cref="FileProtocolLog"/> writes. Only the
/// files whose hour overlaps the asked window are opened, with FileShare.ReadWrite so the writer keeps going.
/// </summary>
public sealed class FileProtocolLogReader(IOptions<MailflowOptions> options, TimeProvider time) : IProtocolLogReader
{
    /// <summary>A session spans at most this long on either side of a time found in it (the receive session timeouts are far shorter).</summary>
    private static readonly TimeSpan SessionReach = TimeSpan.FromHours(1);

    private string Directory { get; } = Path.Combine(options.Value.ResolvedDataDirectory, "logs", "protocol");

    public async Task<IReadOnlyList<ProtocolLogSession>> FindSessionsAsync(ProtocolLogQuery query, CancellationToken ct)
    {
        var to = query.To ?? time.GetUtcNow();
        var from = query.From ?? to - TimeSpan.FromHours(1);
        var sessions = new Dictionary<string, SessionBuilder>(StringComparer.Ordinal);
        foreach (var line in await ReadLinesAsync(from, to, ct))
        {
            if (line.Time < from || line.Time > to)
                continue;
            if (query.Connector is { Length: > 0 } connector && !string.Equals(line.Connector, connector, StringComparison.OrdinalIgnoreCase))
                continue;
            if (query.ClientIp is { Length: > 0 } ip && !string.Equals(HostOf(line.Remote), ip.Trim(), StringComparison.OrdinalIgnoreCase))
                continue;
            if (!sessions.TryGetValue(line.SessionId, out var session))
                sessions[line.SessionId] = session = new SessionBuilder(line);
            session.Add(line);
        }
        return sessions.Values.Select(s => s.Build()).OrderByDescending(s => s.Start).Take(Math.Clamp(query.Take, 1, 1000)).ToList();
    }

    public async Task<IReadOnlyList<ProtocolLogLine>> ReadSessionAsync(string sessionId, DateTimeOffset around, CancellationToken ct) =>
        (await ReadLinesAsync(around - SessionReach, around + SessionReach, ct))
            .Where(l => l.SessionId == sessionId)
            .Select(l => new ProtocolLogLine(l.Time, l.Event, l.Data))
            .ToList();

    private async Task<List<RawLine>> ReadLinesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var lines = new List<RawLine>();
        if (!System.IO.Directory.Exists(Directory))
            return lines;
        var hour = new DateTimeOffset(from.UtcDateTime.Year, from.UtcDateTime.Month, from.UtcDateTime.Day, from.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        for (; hour <= to; hour = hour.AddHours(1))
        {
            var path = Path.Combine(Directory, FileProtocolLog.FileNameFor(hour));
            if (!File.Exists(path))
                continue;
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(ct) is { } text)
            {
                if (text.Length == 0 || text[0] == '#')
                    continue;
                if (Parse(text) is { } line)
                    lines.Add(line);
            }
        }
        return lines;
    }

    /// <summary>Parses one CSV line in <see cref="FileProtocolLog.Fields"/> order; malformed lines are skipped.</summary>
    internal static RawLine? Parse(string text)
    {
        var fields = SplitCsv(text);
        if (fields.Count < 7 || !DateTimeOffset.TryParse(fields[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return null;
        // The data field may itself have held commas without quotes in hand-written files: keep the rest whole.
        return new RawLine(at, fields[1], fields[2], fields[3], fields[4], fields[5], string.Join(',', fields.Skip(6)));
    }

    private static List<string> SplitCsv(string text)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"' && current.Length == 0) quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        fields.Add(current.ToString());
        return fields;
    }

    private static string HostOf(string endPoint)
    {
        // "1.2.3.4:25" or "[::1]:25".
        if (endPoint.StartsWith('['))
            return endPoint[1..Math.Max(1, endPoint.IndexOf(']', StringComparison.Ordinal))];
        var colon = endPoint.LastIndexOf(':');
        return colon > 0 && endPoint.IndexOf(':') == colon ? endPoint[..colon] : endPoint;
    }

    internal sealed record RawLine(DateTimeOffset Time, string Connector, string SessionId, string Local, string Remote, string Event, string Data);

    private sealed class SessionBuilder(RawLine first)
    {
        private DateTimeOffset _start = first.Time;
        private DateTimeOffset _end = first.Time;
        private int _count;

        public void Add(RawLine line)
        {
            if (line.Time < _start) _start = line.Time;
            if (line.Time > _end) _end = line.Time;
            _count++;
        }

        public ProtocolLogSession Build() => new(first.SessionId, first.Connector, first.Local, first.Remote, _start, _end, _count);
    }
}
