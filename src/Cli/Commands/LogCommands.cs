using System.CommandLine;
using System.Globalization;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow log sessions|show</c>: the SMTP receive protocol log.</summary>
internal static class LogCommands
{
    private static readonly Column[] SessionColumns =
    [
        Column.Of("SESSION", "sessionId"), new("START (UTC)", i => Output.Time(i["start"])), new("END (UTC)", i => Output.Time(i["end"])),
        Column.Of("CONNECTOR", "connector"), Column.Of("CLIENT", "remoteEndPoint"), Column.Of("LOCAL", "localEndPoint"), Column.Of("LINES", "lineCount"),
    ];

    private static readonly Column[] LineColumns =
    [
        new("WHEN (UTC)", i => Output.Time(i["time"])), Column.Of("", "event"), Column.Of("DATA", "data"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("log", "The SMTP receive protocol log");

        var since = new Option<string?>("--since") { Description = "How far back: 30m, 2h, 3d, or a UTC time (default: 1h)" };
        var clientIp = new Option<string?>("--client-ip") { Description = "The client's IP address" };
        var connector = new Option<string?>("--connector") { Description = "The receive connector's name" };
        var sessions = new Command("sessions", "Receive sessions, newest first") { since, clientIp, connector };
        context.Handle(sessions, async (parse, client, output, ct) =>
        {
            var query = new List<string>();
            if (parse.GetValue(since) is { } s)
                query.Add("from=" + Uri.EscapeDataString(AuditCommands.ParseSince(s).ToString("O", CultureInfo.InvariantCulture)));
            MessageCommands.Add(query, "clientIp", parse.GetValue(clientIp));
            MessageCommands.Add(query, "connector", parse.GetValue(connector));
            output.Table(await client.GetAsync("protocol-log/sessions?" + string.Join('&', query), ct), SessionColumns, "No sessions match.");
        });
        command.Subcommands.Add(sessions);

        var id = new Argument<string>("session-id") { Description = "The session id, as 'log sessions' shows it" };
        var around = new Option<string?>("--around") { Description = "A time inside the session: 2h (ago) or a UTC time (default: now)" };
        var show = new Command("show", "One session's transcript") { id, around };
        context.Handle(show, async (parse, client, output, ct) =>
        {
            var query = parse.GetValue(around) is { } a
                ? "?around=" + Uri.EscapeDataString(AuditCommands.ParseSince(a).ToString("O", CultureInfo.InvariantCulture))
                : "";
            output.Table(await client.GetAsync($"protocol-log/sessions/{Uri.EscapeDataString(parse.GetValue(id)!)}{query}", ct), LineColumns, "No lines.");
        });
        command.Subcommands.Add(show);
        return command;
    }
}
