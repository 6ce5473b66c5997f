using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Cli;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// The real <c>mailflow</c> tool against the real server: in process through its entry point with
/// captured output (most tests), and once as a child process (<c>dotnet mailflow.dll</c>).
/// </summary>
public abstract class CliTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private ApiServer _server = default!;
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("mailflow-cli-home-");

    public async Task InitializeAsync() => _server = await servers.GetAsync(provider, postgres);

    public Task DisposeAsync()
    {
        _home.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private Task<CliRun> MailflowAsAsync(string? apiKey, string stdin, params string[] args) =>
        CliRun.InHomeAsync(_server.BaseUrl, apiKey, _home.FullName, stdin, args);

    private Task<CliRun> MailflowAsync(params string[] args) => MailflowAsAsync(ApiServer.InitialKey, "", args);

    private static void AssertSucceeded(CliRun run) => run.AssertSucceeded();

    [Fact]
    public async Task Domain_AddSetListRemove_ThroughTheTool()
    {
        var domain = Http.Unique("cli") + ".example";
        AssertSucceeded(await MailflowAsync("domain", "add", domain, "--type", "InternalRelay"));
        AssertSucceeded(await MailflowAsync("domain", "set", domain, "--match-subdomains", "true"));

        var list = await MailflowAsync("domain", "list");
        AssertSucceeded(list);
        var row = list.Output.Split('\n').Single(l => l.StartsWith(domain, StringComparison.Ordinal));
        Assert.Matches($@"^{domain.Replace(".", @"\.")}\s+InternalRelay\s+yes\s+no", row);

        AssertSucceeded(await MailflowAsync("domain", "remove", domain));
        Assert.DoesNotContain(domain, (await MailflowAsync("domain", "list")).Output);
    }

    [Fact]
    public async Task ReceiveConnectorSet_WithMaxMessageSize50MB_StoresTheBytes()
    {
        var copyName = Http.Unique("Frontend copy ");
        AssertSucceeded(await MailflowAsync("receive-connector", "copy", "Default Frontend", copyName));
        var run = await MailflowAsync("receive-connector", "set", copyName, "--max-message-size", "50MB", "--banner", "Welcome");
        AssertSucceeded(run);

        var stored = (await _server.Services.GetRequiredService<ReceiveConnectorService>().ListAsync()).Single(c => c.Name == copyName);
        Assert.Equal(50L * 1024 * 1024, stored.MaxMessageSizeBytes);
        Assert.Equal("Welcome", stored.Banner);
        Assert.Contains("50 MB", (await MailflowAsync("receive-connector", "list")).Output.Split('\n').Single(l => l.StartsWith(copyName, StringComparison.Ordinal)));
        AssertSucceeded(await MailflowAsync("receive-connector", "remove", copyName));
    }

    [Fact]
    public async Task Tool_WhenTheApiRefuses_ExitsNonZeroWithTheFieldMessage()
    {
        var run = await MailflowAsync("domain", "add", "not a domain");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("(422)", run.Error);
        Assert.Contains("DomainName: 'not a domain' is not a valid domain name", run.Error);

        var missing = await MailflowAsync("receive-connector", "show", "No Such Connector");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("There is no receive connector 'No Such Connector'.", missing.Error);
    }

    [Fact]
    public async Task Tool_WithJson_PrintsTheApisJson()
    {
        var run = await MailflowAsync("domain", "list", "--json");
        AssertSucceeded(run);
        var domains = JsonNode.Parse(run.Output)!.AsArray();
        Assert.Contains(domains, d => d!["domainName"]!.GetValue<string>() == "mailflow.local");
    }

    [Fact]
    public async Task Tool_WithoutAKey_SaysHowToGetOne_AndAViewOnlyKeyCannotWrite()
    {
        var none = await MailflowAsAsync(apiKey: null, "", "domain", "list");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains(CliEnvironment.ApiKeyVariable, none.Error);

        var created = await MailflowAsync("apikey", "create", Http.Unique("viewer-"), "--role", "View-Only");
        AssertSucceeded(created);
        var key = created.Output.Trim().Split('\n').Last().Trim();
        Assert.StartsWith("mf_", key);
        AssertSucceeded(await MailflowAsAsync(key, "", "domain", "list"));
        var refused = await MailflowAsAsync(key, "", "domain", "add", Http.Unique("v") + ".example");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("(403)", refused.Error);
    }

    [Fact]
    public async Task Tool_ReadsUrlAndKeyFromTheConfigFile()
    {
        var path = Path.Combine(_home.FullName, ".config", "mailflow", "cli.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, new JsonObject { ["url"] = _server.BaseUrl.ToString(), ["apiKey"] = ApiServer.InitialKey }.ToJsonString());
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await MailflowCli.RunAsync(["node", "list"], output, error, new CliEnvironment(new Dictionary<string, string?>(), _home.FullName, TextReader.Null));
        Assert.True(exit == 0, error.ToString());
        Assert.Contains("node-api-tests", output.ToString());
    }

    [Fact]
    public async Task RecipientAndRuleVerbs_ChangeTheStore()
    {
        var address = Http.Unique("cli") + "@mailflow.local";
        AssertSucceeded(await MailflowAsync("recipient", "add", address, "--display-name", "Cli User"));
        var generated = await MailflowAsync("recipient", "set-password", address, "--generate");
        AssertSucceeded(generated);
        var password = generated.Output.Trim().Split(' ').Last();
        var recipients = _server.Services.GetRequiredService<RecipientService>();
        Assert.True(recipients.VerifySubmissionPassword((await recipients.ListAsync()).Single(r => r.PrimaryAddress == address), password));
        AssertSucceeded(await MailflowAsAsync(ApiServer.InitialKey, "typed on stdin 123\n", "recipient", "set-password", address, "--password", "-"));
        Assert.True(recipients.VerifySubmissionPassword((await recipients.ListAsync()).Single(r => r.PrimaryAddress == address), "typed on stdin 123"));

        using var admin = _server.Client();
        var ruleName = Http.Unique("cli-rule-");
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = ruleName,
            definition = new { actions = new[] { new { kind = "SetHeader", arguments = new Dictionary<string, string> { ["Name"] = "X-Cli", ["Value"] = "1" } } } },
        }).ExpectAsync(HttpStatusCode.Created);
        AssertSucceeded(await MailflowAsync("rule", "disable", ruleName));
        AssertSucceeded(await MailflowAsync("rule", "move", ruleName, "--priority", "0"));
        var rule = (await _server.Services.GetRequiredService<TransportRuleService>().ListAsync()).Single(r => r.Name == ruleName);
        Assert.False(rule.Enabled);
        Assert.Equal(0, rule.Priority);
        AssertSucceeded(await MailflowAsync("rule", "remove", ruleName));
        AssertSucceeded(await MailflowAsync("recipient", "remove", address));
    }

    [Fact]
    public async Task JournalCommands_AddChangeListAndRemoveAJournalRule()
    {
        var name = Http.Unique("cli-journal-");
        AssertSucceeded(await MailflowAsync("journal", "add", name, "--scope", "External", "--journal-address", "vault@archive.example"));
        AssertSucceeded(await MailflowAsync("journal", "set", name, "--alternate-address", "journal-ndr@contoso.test", "--recipient", "team@contoso.test"));
        var rule = (await _server.Services.GetRequiredService<JournalRuleService>().ListAsync()).Single(r => r.Name == name);
        Assert.Equal((JournalScope.External, "vault@archive.example", "journal-ndr@contoso.test", "team@contoso.test"),
            (rule.Scope, rule.JournalAddress, rule.AlternateJournalAddress, rule.Recipient));
        var listed = await MailflowAsync("journal", "list");
        AssertSucceeded(listed);
        Assert.Contains(name, listed.Output);
        var refused = await MailflowAsync("journal", "add", Http.Unique("cli-bad-"), "--journal-address", "not an address");
        Assert.NotEqual(0, refused.ExitCode);
        AssertSucceeded(await MailflowAsync("journal", "remove", name));
    }

    [Fact]
    public async Task ConfigExportAndApply_DryRunShowsTheDiff_ApplySavesIt()
    {
        var file = Path.Combine(_home.FullName, "org.json");
        AssertSucceeded(await MailflowAsync("config", "export", "--output", file));
        var document = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        var domain = Http.Unique("doc") + ".example";
        document["acceptedDomains"]!.AsArray().Add(new JsonObject { ["domainName"] = domain });
        document.Remove("recipients");
        document.Remove("rules");
        await File.WriteAllTextAsync(file, document.ToJsonString());
        var generation = await _server.LatestGenerationAsync();

        var dryRun = await MailflowAsync("config", "apply", file, "--dry-run");
        AssertSucceeded(dryRun);
        Assert.Matches($@"Create\s+AcceptedDomain\s+{domain.Replace(".", @"\.")}", dryRun.Output);
        Assert.Contains("Nothing was changed.", dryRun.Output);
        Assert.Equal(generation, await _server.LatestGenerationAsync());

        var applied = await MailflowAsync("config", "apply", file);
        AssertSucceeded(applied);
        Assert.Contains("Applied:", applied.Output);
        Assert.Contains((await _server.Services.GetRequiredService<AcceptedDomainService>().ListAsync()), d => d.DomainName == domain);

        document["acceptedDomains"]!.AsArray().Add(new JsonObject { ["domainName"] = "bad domain" });
        await File.WriteAllTextAsync(file, document.ToJsonString());
        var invalid = await MailflowAsync("config", "apply", file);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("DomainName:", invalid.Error);
    }

    [Fact]
    public async Task EveryVerb_HasHelp()
    {
        var root = MailflowCli.Build(new CliContext(TextWriter.Null, TextWriter.Null, new CliEnvironment(new Dictionary<string, string?>(), _home.FullName, TextReader.Null), new HttpClient()));
        foreach (var noun in root.Subcommands)
        {
            foreach (var verb in noun.Subcommands.Prepend(noun))
            {
                string[] args = verb == noun ? [noun.Name, "--help"] : [noun.Name, verb.Name, "--help"];
                var run = await MailflowAsync(args);
                Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}: {run.Error}");
                Assert.Contains("Usage:", run.Output);
                Assert.Contains(verb.Description!, run.Output);
            }
        }
    }

    [Fact]
    public async Task RealTool_AsAChildProcess_ListsDomains()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "mailflow.dll"), "domain", "list" })
            start.ArgumentList.Add(arg);
        start.Environment[CliEnvironment.UrlVariable] = _server.BaseUrl.ToString();
        start.Environment[CliEnvironment.ApiKeyVariable] = ApiServer.InitialKey;
        start.Environment["HOME"] = _home.FullName;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        Assert.True(process.ExitCode == 0, await error);
        Assert.Matches(@"mailflow\.local\s+Authoritative", await output);
    }
}

public sealed class SqliteCliTests(ServerPerClass servers)
    : CliTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresCliTests(ServerPerClass servers, PostgresFixture postgres)
    : CliTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
