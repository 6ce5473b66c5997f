using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Mailflow.Server.Transport.Receive.Policy;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// An SMTP protocol log, in Exchange's format so admins recognise it: one CSV line per event in hourly
/// files <c>{DataDirectory}/logs/protocol/{RECV|SEND}{yyyyMMddHH}.log</c> (receive sessions, and outbound
/// ones through <see cref="SendProtocolLog"/>), pruned by age and size at each rotation (the admin-managed
/// <see cref="Mailflow.Configuration.LogRetentionSettings"/>; the hourly <c>LogRetentionCleaner</c> applies them too), with a
/// <c>#Fields:</c> header; events are <c>&lt;</c> received, <c>&gt;</c> sent, <c>*</c> information.
/// Sessions only write here for connectors with protocol logging on, and AUTH payloads arrive
/// already masked. Writing is off the session's path: entries go through a bounded channel to one
/// writer task (when the disk falls far behind, the oldest entries are dropped rather than stalling SMTP).
/// </summary>
public sealed class FileProtocolLog : IProtocolLog, IAsyncDisposable
{
    public const string Fields = "#Fields: date-time,connector-id,session-id,local-endpoint,remote-endpoint,event,data";

    private readonly Channel<ProtocolLogEntry> _entries = Channel.CreateBounded<ProtocolLogEntry>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Task _writer;

    public const string ReceivePrefix = "RECV";
    public const string SendPrefix = "SEND";

    private readonly Func<Mailflow.Configuration.LogRetentionSettings> _retention;

    /// <param name="retention">The limits in force (the snapshot's operations settings); the defaults when null.</param>
    public FileProtocolLog(IOptions<MailflowOptions> options, Func<Mailflow.Configuration.LogRetentionSettings>? retention = null, string prefix = ReceivePrefix)
    {
        Directory = DirectoryOf(options.Value);
        Prefix = prefix;
        _retention = retention ?? (() => new Mailflow.Configuration.LogRetentionSettings());
        _writer = Task.Run(WriteLoopAsync);
    }

    public static string DirectoryOf(MailflowOptions options) => Path.Combine(options.ResolvedDataDirectory, "logs", "protocol");

    public string Directory { get; }

    /// <summary>RECV or SEND: the kind of sessions, and the start of the file names.</summary>
    public string Prefix { get; }

    public void Write(ProtocolLogEntry entry) => _entries.Writer.TryWrite(entry);

    public static string FileNameFor(DateTimeOffset time, string prefix = ReceivePrefix) => $"{prefix}{time.UtcDateTime:yyyyMMddHH}.log";

    /// <summary>Completes when everything written so far is on disk (tests; shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        _entries.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        StreamWriter? file = null;
        string? currentName = null;
        try
        {
            while (await _entries.Reader.WaitToReadAsync())
            {
                while (_entries.Reader.TryRead(out var entry))
                {
                    var name = FileNameFor(entry.Time, Prefix);
                    if (name != currentName)
                    {
                        if (file is not null)
                            await file.DisposeAsync();
                        var path = Path.Combine(Directory, name);
                        var isNew = !File.Exists(path);
                        file = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
                        if (isNew)
                            await file.WriteLineAsync(Fields);
                        currentName = name;
                        ProtocolLogRetention.Prune(Directory, Prefix, name, _retention(), entry.Time);
                    }
                    await file!.WriteLineAsync(Format(entry));
                }
                await file!.FlushAsync();
            }
        }
        finally
        {
            if (file is not null)
                await file.DisposeAsync();
        }
    }

    public static string Format(ProtocolLogEntry entry)
    {
        var direction = entry.Direction switch
        {
            ProtocolDirection.Received => "<",
            ProtocolDirection.Sent => ">",
            _ => "*",
        };
        return string.Join(',',
            entry.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            Csv(entry.ConnectorName),
            Csv(entry.SessionId),
            Csv(entry.LocalEndPoint?.ToString() ?? ""),
            Csv(entry.RemoteEndPoint?.ToString() ?? ""),
            direction,
            Csv(entry.Text));
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"").Replace("\r", "\\r").Replace("\n", "\\n") + "\"" : value;
}
