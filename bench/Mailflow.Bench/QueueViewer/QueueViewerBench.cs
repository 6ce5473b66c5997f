using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Queue;
using Mailflow.Server.Hosting;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Bench.QueueViewer;

/// <summary>
/// <c>mailflow-bench queue-viewer</c>: seeds a large queue into each store and times what the queue
/// viewer (admin center, API, CLI) asks of <see cref="IQueueOperations"/>, through the server's own
/// registrations, so the figures are the product's and not a re-implementation's.
/// </summary>
public static class QueueViewerBench
{
    private static readonly AdminActor Admin = new("bench", new HashSet<string> { AdminRoles.OrganizationManagement });

    public static async Task<int> RunAsync(string[] args)
    {
        QueueViewerOptions options;
        try
        {
            options = QueueViewerOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"mailflow-bench: {ex.Message}");
            Console.Error.WriteLine(QueueViewerOptions.Usage);
            return 2;
        }

        var results = new List<(string Store, IReadOnlyList<CaseResult> Cases)>();
        if (!options.SkipSqlite)
        {
            var temp = options.SqlitePath is null ? Directory.CreateTempSubdirectory("mailflow-queue-bench-").FullName : null;
            var path = options.SqlitePath ?? Path.Combine(temp!, "mailflow.db");
            try
            {
                var store = new StoreSettings(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path }.ToString());
                results.Add(("SQLite", await RunStoreAsync(store, options)));
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                if (temp is not null)
                    Directory.Delete(temp, recursive: true);
            }
        }
        if (options.PostgresConnectionString is { } postgres)
            results.Add(("PostgreSQL", await RunStoreAsync(new StoreSettings(DatabaseProvider.Postgres, postgres), options)));

        Console.WriteLine();
        Console.WriteLine(Table(results, options));
        return 0;
    }

    private static async Task<IReadOnlyList<CaseResult>> RunStoreAsync(StoreSettings store, QueueViewerOptions options)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mailflow:NodeName"] = "bench-node",
            ["Mailflow:Fqdn"] = "bench-node.mailflow.test",
            ["Mailflow:DataDirectory"] = Path.GetTempPath(),
            ["Mailflow:DefaultDomain"] = "mailflow.test",
        }).Build();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddMailflowCore(configuration, store)
            .AddMessageQueue()
            .AddMailFlowDecisions(configuration)
            .AddMailDelivery(configuration, runQueueManager: false)
            .BuildServiceProvider();
        var dbFactory = services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
            await db.Database.MigrateAsync();
        // The tracker writes the admin actions' trace events in the background, as on a server.
        var tracker = services.GetRequiredService<MessageTracker>();
        await tracker.StartAsync(CancellationToken.None);

        var clock = Stopwatch.StartNew();
        Now = TimeProvider.System.GetUtcNow();
        var seeder = new QueueSeeder(dbFactory, Now);
        var label = store.Provider.ToString();
        if (!options.Reuse)
            await seeder.SeedAsync(options.Messages, n =>
            {
                if (n % 20_000 == 0 || n == options.Messages)
                    Console.Error.WriteLine($"[{label}] seeded {n:N0} messages ({clock.Elapsed.TotalSeconds:F0} s)");
            }, CancellationToken.None);
        if (store.Provider == DatabaseProvider.Postgres)
        {
            // What autovacuum would have done by the time an admin looks at a queue this size.
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.Database.ExecuteSqlRawAsync("ANALYZE");
        }

        var operations = services.GetRequiredService<IQueueOperations>();
        var cases = new List<CaseResult>();
        foreach (var (name, run) in Cases(options.Messages).Where(c => options.Only is null || c.Name.Contains(options.Only, StringComparison.OrdinalIgnoreCase)))
        {
            var result = await TimeAsync(name, run, operations, options.Repeat);
            Console.Error.WriteLine($"[{label}] {result.Name}: p50 {result.P50:F1} ms, max {result.Max:F1} ms, process CPU p50 {result.CpuP50:F1} ms ({result.Rows})");
            cases.Add(result);
        }
        foreach (var (name, suspend, resume) in options.Only is null ? BulkCases() : [])
        {
            var suspendTimes = new List<double>();
            var resumeTimes = new List<double>();
            var changed = "";
            for (var i = 0; i < Math.Min(options.Repeat, 3); i++)
            {
                var watch = Stopwatch.StartNew();
                var suspended = await suspend(operations);
                suspendTimes.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                var resumed = await resume(operations);
                resumeTimes.Add(watch.Elapsed.TotalMilliseconds);
                changed = $"{suspended:N0} suspended, {resumed:N0} resumed";
            }
            cases.Add(CaseResult.Of($"suspend everything matching {name}", suspendTimes, changed));
            cases.Add(CaseResult.Of($"resume everything matching {name}", resumeTimes, changed));
            Console.Error.WriteLine($"[{label}] bulk {name}: {changed}; suspend p50 {cases[^2].P50:F0} ms, resume p50 {cases[^1].P50:F0} ms");
        }
        await tracker.StopAsync(CancellationToken.None);
        return cases;
    }

    /// <summary>The viewer's reads: what the Queues page, the API and the CLI issue.</summary>
    private static IEnumerable<(string Name, Func<IQueueOperations, Task<string>> Run)> Cases(int messages)
    {
        const int pageSize = 50;
        var deepPage = Math.Min(2000, messages / pageSize);
        yield return ("queue list (summary of every next hop)", async o => $"{(await o.ListQueuesAsync()).Count} queues");
        yield return ("first page, newest first", o => Page(o, new QueueMessageQuery { Take = pageSize }));
        yield return ($"page {deepPage}, newest first", o => Page(o, new QueueMessageQuery { Skip = (deepPage - 1) * pageSize, Take = pageSize }));
        foreach (var sort in Enum.GetValues<QueueMessageSort>())
            foreach (var descending in new[] { false, true })
                if (sort != QueueMessageSort.ReceivedAt || !descending)
                    yield return ($"sort {sort} {(descending ? "desc" : "asc")}", o => Page(o, new QueueMessageQuery { SortBy = sort, Descending = descending, Take = pageSize }));
        yield return ($"sort Sender asc, page {deepPage / 2}", o => Page(o, new QueueMessageQuery { SortBy = QueueMessageSort.Sender, Descending = false, Skip = (deepPage / 2 - 1) * pageSize, Take = pageSize }));
        yield return ("filter sender contains 'user17@'", o => Page(o, new QueueMessageQuery { Sender = "user17@", Take = pageSize }));
        yield return ("filter sender contains '@sender3.'", o => Page(o, new QueueMessageQuery { Sender = "@sender3.", Take = pageSize }));
        yield return ("filter recipient contains 'rcpt42@'", o => Page(o, new QueueMessageQuery { Recipient = "rcpt42@", Take = pageSize }));
        yield return ("filter subject contains 'invoice 4'", o => Page(o, new QueueMessageQuery { SubjectContains = "invoice 4", Take = pageSize }));
        yield return ("filter subject contains 'zzz' (no match)", o => Page(o, new QueueMessageQuery { SubjectContains = "zzz", Take = pageSize }));
        yield return ("filter state Suspended", o => Page(o, new QueueMessageQuery { State = QueuedMessageState.Suspended, Take = pageSize }));
        yield return ("filter state Categorized, sort Size desc", o => Page(o, new QueueMessageQuery { State = QueuedMessageState.Categorized, SortBy = QueueMessageSort.Size, Take = pageSize }));
        yield return ("filter received in a 2-hour window", o => Page(o, new QueueMessageQuery { ReceivedFrom = Now.AddHours(-8), ReceivedBefore = Now.AddHours(-6), Take = pageSize }));
        yield return ("one queue (busiest next hop), first page", o => Page(o, new QueueMessageQuery { NextHopKey = QueueSeeder.NextHop(0), Take = pageSize }));
        yield return ("one queue (quietest next hop), first page", o => Page(o, new QueueMessageQuery { NextHopKey = QueueSeeder.NextHop(QueueSeeder.NextHopCount - 1), Take = pageSize }));
        yield return ("one queue, sort Subject asc, page 20", o => Page(o, new QueueMessageQuery { NextHopKey = QueueSeeder.NextHop(0), SortBy = QueueMessageSort.Subject, Descending = false, Skip = 19 * pageSize, Take = pageSize }));
        yield return ("one queue + subject contains 'newsletter'", o => Page(o, new QueueMessageQuery { NextHopKey = QueueSeeder.NextHop(0), SubjectContains = "newsletter", Take = pageSize }));
        yield return ("count matching: state Categorized + subject 'newsletter'", async o => $"{await CountAsync(o, NewsletterWaiting):N0} match");
    }

    private static readonly QueueMessageFilter NewsletterWaiting = new() { SubjectContains = "newsletter", State = QueuedMessageState.Categorized };
    private static readonly QueueMessageFilter NewsletterSuspended = new() { SubjectContains = "newsletter", State = QueuedMessageState.Suspended };

    /// <summary>When the seeding started: arrivals spread over the 48 hours before it.</summary>
    private static DateTimeOffset Now { get; set; }

    /// <summary>Suspend then resume everything matching a filter (~9 % of the queue), as the viewer's "everything matching the filter" does.</summary>
    private static IEnumerable<(string Name, Func<IQueueOperations, Task<int>> Suspend, Func<IQueueOperations, Task<int>> Resume)> BulkCases()
    {
        yield return ("subject 'newsletter'",
            o => o.ApplyToMatchingAsync(Admin, NewsletterWaiting, QueueAction.Suspend),
            o => o.ApplyToMatchingAsync(Admin, NewsletterSuspended, QueueAction.Resume));
    }


    private static Task<int> CountAsync(IQueueOperations operations, QueueMessageFilter filter) => operations.CountMessagesAsync(filter);

    private static async Task<string> Page(IQueueOperations operations, QueueMessageQuery query)
    {
        var page = await operations.ListMessagesAsync(query);
        return $"{page.Messages.Count} of {page.TotalCount:N0}";
    }

    /// <summary>A query slower than this is timed once, not <c>--repeat</c> times (a quadratic plan would take hours).</summary>
    private static readonly TimeSpan SlowQuery = TimeSpan.FromSeconds(5);

    private static async Task<CaseResult> TimeAsync(string name, Func<IQueueOperations, Task<string>> run, IQueueOperations operations, int repeat)
    {
        var warmUp = Stopwatch.StartNew();
        var rows = await run(operations); // warm-up: JIT, EF query compilation, connection pool
        if (warmUp.Elapsed > SlowQuery)
            return CaseResult.Of(name, [warmUp.Elapsed.TotalMilliseconds], rows + " (timed once)");
        var times = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < repeat; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            rows = await run(operations);
            times.Add(watch.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
        }
        // Process CPU time (this process only, not the database server's): steadier than wall time on a busy machine.
        return CaseResult.Of(name, times, rows) with { CpuP50 = cpu.Order().ElementAt((cpu.Count - 1) / 2) };
    }

    private static string Table(List<(string Store, IReadOnlyList<CaseResult> Cases)> results, QueueViewerOptions options)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# queue viewer, {options.Messages:N0} messages, {options.Repeat} runs per query (bulk: {Math.Min(options.Repeat, 3)}), {Environment.ProcessorCount} cpus, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}\n\n");
        text.Append("| query |");
        foreach (var (store, _) in results)
            text.Append(CultureInfo.InvariantCulture, $" {store} p50 ms | {store} max ms |");
        text.Append(" rows |\n|---|");
        foreach (var _ in results)
            text.Append("---:|---:|");
        text.Append("---|\n");
        var names = results[0].Cases.Select(c => c.Name).ToList();
        foreach (var name in names)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {name} |");
            foreach (var (_, cases) in results)
            {
                var c = cases.FirstOrDefault(x => x.Name == name);
                text.Append(c is null ? " – | – |" : string.Create(CultureInfo.InvariantCulture, $" {c.P50:F1} | {c.Max:F1} |"));
            }
            text.Append(CultureInfo.InvariantCulture, $" {results[^1].Cases.First(c => c.Name == name).Rows} |\n");
        }
        return text.ToString();
    }

    private sealed record CaseResult(string Name, double P50, double Max, string Rows, double? CpuP50 = null)
    {
        public static CaseResult Of(string name, List<double> times, string rows)
        {
            var sorted = times.Order().ToList();
            return new CaseResult(name, sorted[(sorted.Count - 1) / 2], sorted[^1], rows);
        }
    }
}
