using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow test-mail-flow</c>: what the server would do with a message, without sending it.</summary>
internal static class TestMailFlowCommands
{
    public static Command Create(CliContext context)
    {
        var sender = new Option<string>("--sender") { Description = "Envelope sender (MAIL FROM)", Required = true };
        var recipients = new Option<string[]>("--recipient") { Description = "Envelope recipient (RCPT TO); repeatable", Required = true, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var clientIp = new Option<string?>("--client-ip") { Description = "The connecting client's IP (default: an Internet client, 192.0.2.1)" };
        var binding = new Option<string?>("--binding") { Description = "The binding the client connects to, address:port (default: the first port-25 binding)" };
        var connector = new Option<string?>("--connector") { Description = "Test as if the client connected to this receive connector" };
        var authenticated = new Option<bool>("--authenticated") { Description = "The client authenticated (SMTP AUTH)" };
        var requireTls = new Option<bool>("--requiretls") { Description = "MAIL FROM carries REQUIRETLS (RFC 8689)" };
        var subject = new Option<string?>("--subject") { Description = "Subject" };
        var eml = new Option<string?>("--eml") { Description = "A whole message (.eml file) to test instead of --subject" };
        var noMx = new Option<bool>("--no-mx") { Description = "Do not look up MX records" };
        var command = new Command("test-mail-flow", "What would happen to a message: receive connector, relay, rules, resolution, routing. Nothing is sent")
        {
            sender, recipients, clientIp, binding, connector, authenticated, requireTls, subject, eml, noMx,
        };
        context.Handle(command, async (parse, client, output, ct) =>
        {
            var request = new JsonObject
            {
                ["sender"] = parse.GetValue(sender),
                ["recipients"] = new JsonArray([.. parse.GetValue(recipients)!.Select(r => (JsonNode?)JsonValue.Create(r))]),
                ["clientIp"] = parse.GetValue(clientIp),
                ["binding"] = parse.GetValue(binding),
                ["receiveConnector"] = parse.GetValue(connector),
                ["authenticated"] = parse.GetValue(authenticated),
                ["requireTls"] = parse.GetValue(requireTls),
                ["subject"] = parse.GetValue(subject),
                ["resolveMx"] = !parse.GetValue(noMx),
            };
            if (parse.GetValue(eml) is { } path)
            {
                if (!File.Exists(path))
                    throw new CliException($"--eml {path}: no such file.");
                request["eml"] = await File.ReadAllTextAsync(path, ct);
            }
            var result = (await client.SendAsync(HttpMethod.Post, "test-mail-flow", request, null, ct)).Body;
            if (output.Json)
            {
                output.Raw(result);
                return;
            }
            Write(output, result!);
        });
        return command;
    }

    private static void Write(Output output, JsonNode result)
    {
        var w = output.Writer;
        w.WriteLine(Column.Text(result["summary"]));
        w.WriteLine();
        w.WriteLine("Connection");
        w.WriteLine($"  {Column.Text(result["connection"]?["explanation"])}");
        foreach (var c in result["connection"]?["candidates"]?.AsArray() ?? [])
            w.WriteLine($"  {(c?["chosen"]?.GetValue<bool>() == true ? "*" : "-")} {Column.Text(c?["connectorName"])}: {Column.Text(c?["explanation"])}");
        w.WriteLine();
        w.WriteLine("Recipients (RCPT TO)");
        foreach (var a in result["acceptance"]?.AsArray() ?? [])
            w.WriteLine($"  {Column.Text(a?["recipient"])}: {(a?["accepted"]?.GetValue<bool>() == true ? "accepted" : "refused " + Column.Text(a?["reply"]))} — {Column.Text(a?["explanation"])}");
        w.WriteLine();
        w.WriteLine("Mail flow rules");
        foreach (var r in result["rules"]?["rules"]?.AsArray() ?? [])
        {
            w.WriteLine($"  [{Column.Text(r?["status"])}] {Column.Text(r?["ruleName"])}: {Column.Text(r?["summary"])}");
            foreach (var p in (r?["conditions"]?.AsArray() ?? []).Select(p => ("if", p)).Concat((r?["exceptions"]?.AsArray() ?? []).Select(p => ("except", p))))
                w.WriteLine($"      {p.Item1} {Column.Text(p.p?["label"])}: {(p.p?["matched"]?.GetValue<bool>() == true ? "yes" : "no")} — {Column.Text(p.p?["explanation"])}");
        }
        w.WriteLine($"  Outcome: {Column.Text(result["rules"]?["outcome"]?["outcome"])} — {Column.Text(result["rules"]?["outcome"]?["explanation"])}");
        w.WriteLine();
        w.WriteLine("Resolution");
        foreach (var r in result["resolution"]?.AsArray() ?? [])
            foreach (var f in r?["results"]?.AsArray() ?? [])
            {
                var path = string.Join(" → ", (f?["path"]?.AsArray() ?? []).Select(s => $"{Column.Text(s?["kind"])} {Column.Text(s?["to"])}"));
                w.WriteLine($"  {Column.Text(r?["envelopeRecipient"])} → {Column.Text(f?["address"])} ({Column.Text(f?["kind"])}){(path.Length > 0 ? " via " + path : "")}{(f?["failure"] is { } failure ? " — " + Column.Text(failure) : "")}");
            }
        w.WriteLine();
        w.WriteLine("Routing");
        foreach (var r in result["routing"]?.AsArray() ?? [])
        {
            w.WriteLine($"  {Column.Text(r?["recipient"])} → {Column.Text(r?["queueKey"])}: {Column.Text(r?["explanation"])}");
            foreach (var c in r?["candidates"]?.AsArray() ?? [])
                w.WriteLine($"      {Column.Text(c?["verdict"])} {Column.Text(c?["connectorName"])} (address space {Column.Text(c?["addressSpace"])}, cost {Column.Text(c?["cost"])}): {Column.Text(c?["explanation"])}");
            if (r?["mx"] is JsonObject mx)
                w.WriteLine($"      MX {Column.Text(mx["domain"])}: {Column.Text(mx["status"])} {string.Join("; ", (mx["hosts"]?.AsArray() ?? []).Select(Column.Text))} {Column.Text(mx["reason"])}");
            if (r?["tlsPolicy"] is { } tlsPolicy)
                w.WriteLine($"      TLS: {Column.Text(tlsPolicy)}");
        }
    }
}
