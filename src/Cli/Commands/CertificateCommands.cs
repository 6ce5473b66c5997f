using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary>
/// <c>mailflow certificate list|show|import|generate|rename|delete|regenerate</c>: the TLS
/// certificates receive connectors present (stored ones, and the node's default). Assign one with
/// <c>mailflow receive-connector set NAME --certificate CERT</c>.
/// </summary>
internal static class CertificateCommands
{
    private const string Path = "certificates";
    private const string NodePath = "certificates/node";
    private const string Key = "name";
    private const string Noun = "certificate";

    private static readonly Column[] Columns =
    [
        Column.Of("NAME", "name"), Column.Of("SUBJECT", "subject"), Column.Of("NAMES", "dnsNames"),
        new("EXPIRES", i => Output.Time(i["notAfter"])), Column.Of("STATUS", "expiry"), Column.Of("USED BY", "usedBy"),
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("certificate", "TLS certificates receive connectors present (stored ones and the node's default)");
        var name = new Argument<string>("name") { Description = "The certificate's name (or id)" };

        var list = new Command("list", "List stored certificates with expiry and the connectors using each");
        context.Handle(list, async (_, client, output, ct) =>
        {
            var items = await client.GetAsync(Path, ct);
            output.Table(items, Columns, "No stored certificates: connectors present the node certificate ('certificate show').");
            if (!output.Json)
                foreach (var warning in (items as JsonArray ?? []).Select(i => Column.Text(i?["warning"])).Where(w => w.Length > 0))
                    output.Message("Warning: " + warning);
        });

        var optionalName = new Argument<string?>("name") { Description = "A stored certificate's name or id; omitted: the node's default certificate", Arity = ArgumentArity.ZeroOrOne };
        var show = new Command("show", "Show a stored certificate, or the node's default certificate") { optionalName };
        context.Handle(show, async (parse, client, output, ct) =>
            output.Details(parse.GetValue(optionalName) is { } wanted
                ? await CliContext.FindAsync(client, Path, Key, wanted, Noun, ct)
                : await client.GetAsync(NodePath, ct)));

        var file = new Argument<string>("file") { Description = "A PEM file (certificate, optionally chain and key) or a PFX/PKCS#12 file (.pfx, .p12)" };
        var keyFile = new Option<string?>("--key") { Description = "The PEM private key file, when the key is not in the certificate file" };
        var password = new Option<string?>("--password") { Description = "The PFX password or the encrypted key's password (prefer --password-file: command lines are visible to other users)" };
        var passwordFile = new Option<string?>("--password-file") { Description = "Read the password from the first line of this file" };
        var importName = new Option<string?>("--name") { Description = "Name to store it under (default: the certificate's common name)" };
        var import = new Command("import", "Store a certificate with its private key, e.g. import fullchain.pem --key privkey.pem") { file, keyFile, password, passwordFile, importName };
        context.Handle(import, async (parse, client, output, ct) =>
        {
            var content = await ReadFileAsync(parse.GetValue(file)!, ct);
            var body = new JsonObject { ["name"] = parse.GetValue(importName) };
            if (content.AsSpan().IndexOf("-----BEGIN "u8) >= 0)
                body["pem"] = Encoding.UTF8.GetString(content);
            else
                body["pfx"] = Convert.ToBase64String(content);
            if (parse.GetValue(keyFile) is { } keyPath)
                body["privateKeyPem"] = Encoding.UTF8.GetString(await ReadFileAsync(keyPath, ct));
            if (await PasswordAsync(parse.GetValue(password), parse.GetValue(passwordFile), ct) is { } secret)
                body["password"] = secret;
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Stored {Column.Text(created.Body?[Key])}.");
            Warn(output, created.Body);
            output.Details(created.Body);
        });

        var fqdn = new Argument<string>("fqdn") { Description = "The host name clients connect to, e.g. mail.contoso.com" };
        var days = new Option<int>("--days") { Description = "Validity in days (1–3650)", DefaultValueFactory = _ => 365 };
        var generateName = new Option<string?>("--name") { Description = "Name to store it under (default: the FQDN)" };
        var generate = new Command("generate", "Generate and store a self-signed certificate") { fqdn, days, generateName };
        context.Handle(generate, async (parse, client, output, ct) =>
        {
            var body = new JsonObject { ["name"] = parse.GetValue(generateName), ["fqdn"] = parse.GetValue(fqdn), ["validityDays"] = parse.GetValue(days) };
            var created = await client.SendAsync(HttpMethod.Post, Path + "/self-signed", body, null, ct);
            output.Message($"Generated {Column.Text(created.Body?[Key])}.");
            output.Details(created.Body);
        });

        var newName = new Argument<string>("new-name") { Description = "The new name" };
        var rename = new Command("rename", "Rename a stored certificate") { name, newName };
        context.Handle(rename, async (parse, client, output, ct) =>
        {
            var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(name)!, Noun, body => body[Key] = parse.GetValue(newName), ct);
            output.Message($"Renamed to {Column.Text(saved?[Key])}.");
        });

        var delete = new Command("delete", "Delete a stored certificate (refused while a receive connector presents it)") { name };
        context.Handle(delete, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(name)!, Noun, ct);
            output.Message($"Deleted {parse.GetValue(name)}.");
        });

        var regenerate = new Command("regenerate", "Replace the node's self-signed default certificate with a new one (new TLS sessions use it at once)");
        context.Handle(regenerate, async (_, client, output, ct) =>
            output.Details((await client.SendAsync(HttpMethod.Post, NodePath + "/self-signed", null, null, ct)).Body));

        foreach (var sub in new[] { list, show, import, generate, rename, delete, regenerate })
            command.Subcommands.Add(sub);
        return command;
    }

    /// <summary>The id to store in a receive connector's certificateId: a stored certificate by name or id, or null for "default".</summary>
    public static async Task<JsonNode?> ResolveAssignmentAsync(ApiClient client, string nameOrId, CancellationToken cancellationToken) =>
        string.Equals(nameOrId.Trim(), "default", StringComparison.OrdinalIgnoreCase)
            ? null
            : (await CliContext.FindAsync(client, Path, Key, nameOrId, Noun, cancellationToken))["id"]?.DeepClone();

    private static void Warn(Output output, JsonNode? certificate)
    {
        if (Column.Text(certificate?["warning"]) is { Length: > 0 } warning)
            output.Message("Warning: " + warning);
    }

    private static async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read {path}: {ex.Message}");
        }
    }

    private static async Task<string?> PasswordAsync(string? password, string? passwordFile, CancellationToken cancellationToken)
    {
        if (passwordFile is null)
            return password;
        var text = Encoding.UTF8.GetString(await ReadFileAsync(passwordFile, cancellationToken));
        return text.Split('\n')[0].TrimEnd('\r');
    }
}
