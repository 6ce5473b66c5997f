using System.CommandLine;
using System.Globalization;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow audit list</c>: who changed what, when.</summary>
internal static class AuditCommands
{
    private static readonly Column[] Columns =
    [
        new("WHEN (UTC)", i => Output.Time(i["at"])), Column.Of("WHO", "actor"), Column.Of("ACTION", "action"),
        Column.Of("TYPE", "objectType"), Column.Of("OBJECT", "objectName"), Column.Of("GENERATION", "generation"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("audit", "The audit log");
        var objectType = new Option<string?>("--type") { Description = "Object type, e.g. AcceptedDomain, ReceiveConnector, ApiKey" };
        var actor = new Option<string?>("--actor") { Description = "Who, e.g. admin or apikey:ci" };
        var since = new Option<string?>("--since") { Description = "How far back: 2h, 3d, 30m, or a UTC time (2026-01-31T12:00:00Z)" };
        var page = new Option<int>("--page") { Description = "Page (from 1)", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Entries per page", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List audit entries, newest first") { objectType, actor, since, page, pageSize };
        context.Handle(list, async (parse, client, output, ct) =>
        {
            var query = new List<string> { $"page={parse.GetValue(page)}", $"pageSize={parse.GetValue(pageSize)}" };
            if (parse.GetValue(objectType) is { } t) query.Add("objectType=" + Uri.EscapeDataString(t));
            if (parse.GetValue(actor) is { } a) query.Add("actor=" + Uri.EscapeDataString(a));
            if (parse.GetValue(since) is { } s) query.Add("from=" + Uri.EscapeDataString(ParseSince(s).ToString("O", CultureInfo.InvariantCulture)));
            var result = await client.GetAsync("audit?" + string.Join('&', query), ct);
            if (output.Json)
            {
                output.Raw(result);
                return;
            }
            output.Table(result["items"], Columns, "No audit entries match.");
            output.Message($"Page {Column.Text(result["page"])}, {Column.Text(result["total"])} entries in all.");
        });
        command.Subcommands.Add(list);
        return command;
    }

    /// <summary>A duration back from now or a UTC time; <paramref name="option"/> names the option in the error.</summary>
    internal static DateTimeOffset ParseSince(string text, string option = "--since")
    {
        var t = text.Trim();
        if (t.Length >= 2 && double.TryParse(t[..^1], NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
        {
            TimeSpan? span = t[^1] switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (span is { } s)
                return DateTimeOffset.UtcNow - s;
        }
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at;
        throw new CliException($"{option} {text}: write a duration (30m, 2h, 3d) or a time (2026-01-31T12:00:00Z).");
    }
}
