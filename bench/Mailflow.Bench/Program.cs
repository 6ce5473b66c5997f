using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mailflow.Bench;
using Mailflow.Bench.QueueViewer;

if (args.Length > 0 && args[0] == QueueViewerOptions.Mode)
    return await QueueViewerBench.RunAsync(args[1..]);

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"mailflow-bench: {ex.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var message = BuildMessage(options);
var remaining = options.Messages;
var latencies = new ConcurrentBag<double>();
using var timeLimit = new CancellationTokenSource(options.TimeLimit);
var sessions = Enumerable.Range(0, options.Sessions)
    .Select(_ => new SmtpLoadSession(options, message, () => Interlocked.Decrement(ref remaining) >= 0, latencies.Add))
    .ToList();

var clock = Stopwatch.StartNew();
var failures = 0;
await Task.WhenAll(sessions.Select(async s =>
{
    try
    {
        await s.RunAsync(timeLimit.Token);
    }
    catch (Exception ex)
    {
        Interlocked.Increment(ref failures);
        Console.Error.WriteLine($"mailflow-bench: session failed: {ex.Message}");
    }
}));
clock.Stop();

var sorted = latencies.Order().ToArray();
double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
var delivered = sorted.Length;
var errors = sessions.Sum(s => s.Errors) + failures;
var line = new StringBuilder()
    .Append(CultureInfo.InvariantCulture, $"{options.Label} host={options.Host}:{options.Port} sessions={options.Sessions} msgs={delivered} size={options.SizeBytes} rcpts={options.Recipients}")
    .Append(CultureInfo.InvariantCulture, $" wall_s={clock.Elapsed.TotalSeconds:F2} msgs_per_s={delivered / clock.Elapsed.TotalSeconds:F1}")
    .Append(CultureInfo.InvariantCulture, $" p50_ms={Percentile(0.50):F2} p99_ms={Percentile(0.99):F2} max_ms={(sorted.Length > 0 ? sorted[^1] : double.NaN):F2} errors={errors}");
if (options.ServerPid is { } pid)
    line.Append(CultureInfo.InvariantCulture, $" srv_rss_peak_mb={PeakRssMegabytes(pid):F1}");
Console.WriteLine(line.ToString());
return errors == 0 && delivered == options.Messages ? 0 : 1;

static byte[] BuildMessage(BenchOptions options)
{
    var text = new StringBuilder();
    text.Append("From: <").Append(options.From).Append(">\r\n");
    text.Append("To: <").Append(options.To).Append(">\r\n");
    text.Append("Subject: mailflow-bench\r\n");
    text.Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
    text.Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append("@load.test>\r\n\r\n");
    var line = new string('x', 78) + "\r\n";
    var body = 0;
    while (body + line.Length <= options.SizeBytes)
    {
        text.Append(line);
        body += line.Length;
    }
    if (options.SizeBytes - body > 2)
        text.Append(new string('y', options.SizeBytes - body - 2)).Append("\r\n");
    text.Append(".\r\n");
    return Encoding.ASCII.GetBytes(text.ToString());
}

/// <summary>VmHWM: the peak resident set size of the process over its lifetime.</summary>
static double PeakRssMegabytes(int pid)
{
    try
    {
        foreach (var l in File.ReadLines($"/proc/{pid}/status"))
            if (l.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
    catch (IOException)
    {
    }
    return double.NaN;
}
