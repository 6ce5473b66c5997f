using System.CommandLine;

namespace Mailflow.Cli.Commands;

/// <summary>
/// <c>mailflow alerts</c> (the active alerts), <c>mailflow alerts history</c> (cleared ones) and
/// <c>mailflow alerts settings show|set</c> (thresholds, notification address, webhook; also log retention: the operations settings).
/// </summary>
internal static class AlertCommands
{
    private const string SettingsPath = "operations-settings";

    private static readonly Column[] Columns =
    [
        Column.Of("SEVERITY", "severity"), Column.Of("ALERT", "title"), Column.Of("SUBJECT", "subject"),
        new("RAISED (UTC)", i => Output.Time(i["raisedAt"])), Column.Of("WHAT", "text"), Column.Of("FIX", "fixPath"),
    ];

    private static readonly Column[] HistoryColumns =
    [
        Column.Of("SEVERITY", "severity"), Column.Of("ALERT", "title"), Column.Of("SUBJECT", "subject"),
        new("RAISED (UTC)", i => Output.Time(i["raisedAt"])), new("CLEARED (UTC)", i => Output.Time(i["clearedAt"])), Column.Of("WHAT", "text"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("alerts", "Alerts: what needs an admin now (old queued mail, failing next hops, NDR spikes, expiring certificates, silent nodes, domain health, back pressure)");
        context.Handle(command, async (_, client, output, ct) => output.Table(await client.GetAsync("alerts", ct), Columns, "No active alerts."));

        var limit = new Option<int?>("--limit") { Description = "At most this many (default 200)" };
        var history = new Command("history", "Cleared alerts, newest first") { limit };
        context.Handle(history, async (parse, client, output, ct) =>
            output.Table(await client.GetAsync(parse.GetValue(limit) is { } n ? $"alerts/history?limit={n}" : "alerts/history", ct), HistoryColumns, "No alert has been cleared yet."));

        var settings = new Command("settings", "Alert thresholds and notification, and log retention (the operations settings)");
        var show = new Command("show", "Show the operations settings (the webhook secret is never shown)");
        context.Handle(show, async (_, client, output, ct) => output.Details(await client.GetAsync(SettingsPath, ct)));

        var notify = new Option<string?>("--notify-address") { Description = "Mail raised and cleared alerts to this address (\"\" for none)" };
        var webhookUrl = new Option<string?>("--webhook-url") { Description = "POST raised and cleared alerts as JSON to this URL (\"\" for none)" };
        var webhookSecret = new Option<string?>("--webhook-secret") { Description = "Sign webhook requests with this secret (X-Mailflow-Signature: sha256=HMAC); \"\" removes it" };
        var enabled = new Option<bool?>("--enabled") { Description = "Evaluate alerts at all (true/false)" };
        var set = Fields.SetOption();
        var change = new Command("set", "Change operations settings, e.g. set --set Alerts.QueueOldestMessageMinutes=30 --set LogRetention.TrackingLogMaxAgeDays=14")
            { notify, webhookUrl, webhookSecret, enabled, set };
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var current = await client.SendAsync(HttpMethod.Get, SettingsPath, null, null, ct);
            var body = current.Body!.AsObject();
            var alerts = body["alerts"]!.AsObject();
            if (parse.GetValue(notify) is { } address) alerts["notifyAddress"] = address;
            if (parse.GetValue(webhookUrl) is { } url) alerts["webhookUrl"] = url;
            if (parse.GetValue(enabled) is { } on) alerts["enabled"] = on;
            if (parse.GetValue(webhookSecret) is { } secret) body["webhookSecret"] = secret;
            Fields.ApplySets(body, parse.GetValue(set));
            var saved = await client.SendAsync(HttpMethod.Put, SettingsPath, body, current.ETag, ct);
            output.Message("Operations settings saved.");
            output.Details(saved.Body);
        });
        settings.Subcommands.Add(show);
        settings.Subcommands.Add(change);

        command.Subcommands.Add(history);
        command.Subcommands.Add(settings);
        return command;
    }
}
