using System.Globalization;

namespace Mailflow.Bench;

/// <summary>Command-line options, smtp-source style.</summary>
public sealed record BenchOptions(
    string Host,
    int Port,
    int Sessions,
    int Messages,
    int SizeBytes,
    int Recipients,
    string To,
    string From,
    int? ServerPid,
    TimeSpan TimeLimit,
    string Label)
{
    public const string Usage = """
        mailflow-bench --host H --port P [--sessions 20] [--messages 10000] [--size 5000] [--recipients 1]
                       [--to postmaster@bench.test] [--from load@load.test] [--pid SERVER_PID] [--time-limit 600] [--label L]
          Drives N concurrent SMTP sessions (connection reused, no pipelining, like smtp-source -d) sending
          M messages in total of S body bytes with R recipients each, and prints one line:
          label sessions msgs size rcpts wall_s msgs_per_s p50_ms p99_ms max_ms errors srv_rss_peak_mb
          (srv_rss_peak_mb: the server's VmHWM from /proc/PID/status, when --pid is given).
        """;

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            values[args[i][2..]] = args[++i];
        }
        string Text(string key, string fallback) => values.GetValueOrDefault(key, fallback);
        int Number(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var options = new BenchOptions(
            Text("host", "127.0.0.1"),
            Number("port", 2525),
            Number("sessions", 20),
            Number("messages", 10_000),
            Number("size", 5000),
            Number("recipients", 1),
            Text("to", "postmaster@bench.test"),
            Text("from", "load@load.test"),
            values.TryGetValue("pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
            TimeSpan.FromSeconds(Number("time-limit", 600)),
            Text("label", "mailflow-bench"));
        if (options.Sessions < 1 || options.Messages < 1 || options.SizeBytes < 0 || options.Recipients < 1)
            throw new ArgumentException("sessions, messages and recipients must be at least 1; size at least 0");
        return options;
    }
}
