using Mailflow.Api.Tests.Docs;
using Mailflow.Server.Transport.Notify;

namespace Mailflow.Api.Tests;

/// <summary>
/// The docs checker on a small sample with one mistake of each kind next to a correct counterpart:
/// each check names the mistake (file, line, what) and leaves the correct one alone.
/// </summary>
public sealed class DocsCheckerTests : IDisposable
{
    private const string Readme = """
        # Sample

        See [the guide](docs/good.md#first-part), [a missing page](docs/nope.md) and [a missing heading](docs/good.md#no-such-part).
        [An external site](https://example.com/x.md) is not checked.

        Set `Mailflow:DataDirectory`, not `Mailflow:NoSuchKey`; `Mailflow__DataDirectory=/x` but not `Mailflow__Nope__Thing=1`.

        `GET /api/v1/queues` and `POST /api/v1/queues/retry/{key}` exist; `DELETE /api/v1/nowhere/{id}` does not.

        Open **Mail flow › Receive connectors**, not **Mail flow › Send connectorz** nor **Nowhere › Thing**.

        Inline `mailflow queue retry KEY` is fine; `mailflow queue lisst` is not, nor `mailflow queue list --no-such-option`.

        ```bash
        mailflow queue list
        mailflow domain add contoso.com --type Authoritative && mailflow domian list   # a typo
        mailflow message remove QID --ndr > /dev/null
        mailflow queue retry
        mailflow protection set --set AntiSpam.RejectScore=15 --set AntiSpam.RejectLevel=15
        ```

        `550 5.7.54 Unable to relay recipient in non-accepted domain` is a reply, `550 5.7.54 Relaying is forbidden here` is not; `421 4.4.2 <fqdn> Command line not received in time, closing`, `451 4.4.1 Could not deliver to the next hop: …` and `550 4.4.7 The message could not be delivered within 3 days and expired` are.
        `mailflow_queue_messages` is a metric, `mailflow_queue_size` is not.
        """;

    private const string Guide = """
        # Good

        ## First part

        Back to the [README](../README.md).
        """;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mailflow-docs-check-");
    private readonly DocsChecker _checker;

    public DocsCheckerTests()
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "docs"));
        File.WriteAllText(Path.Combine(_root.FullName, "README.md"), Readme);
        File.WriteAllText(Path.Combine(_root.FullName, "docs", "good.md"), Guide);
        File.WriteAllText(Path.Combine(_root.FullName, "docs", "troubleshooting.md"), $"""
            # Troubleshooting

            ### 5.1.1 — unknown recipient

            - **NDR to the sender:** "{DsnExplanations.Explain("5.1.1")}"

            ### 4.4.1 — no answer

            - **Queue viewer** (for `451 4.4.1`): "Some words of our own"
            - **NDR to the sender:** "A text of our own"
            """);
        var facts = new DocsFacts
        {
            RepositoryRoot = _root.FullName,
            Cli = CodeFacts.NewCli,
            ConfigurationKeys = new HashSet<string> { "Mailflow", "Mailflow:DataDirectory" },
            ApiRoutes = new HashSet<string> { "GET /api/v1/queues", "POST /api/v1/queues/retry/{}" },
            Menu = new Dictionary<string, IReadOnlySet<string>>
            {
                ["Mail flow"] = new HashSet<string> { "Receive connectors" },
                [""] = new HashSet<string> { "Queues" },
            },
            NdrText = DsnExplanations.Explain,
            QueueViewerText = Mailflow.Admin.Web.Queue.QueueStuckText.Explain,
            CatalogueCodes = ["5.1.1", "4.4.1", "5.2.2"],
            Replies = CodeFacts.Replies(),
            MetricNames = new HashSet<string> { "mailflow_queue_messages" },
            SetTargets = CodeFacts.SetTargets,
        };
        _checker = new DocsChecker(facts, DocsChecker.LoadDocs(_root.FullName));
    }

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Links_MissingFileAndMissingAnchor_AreReported()
    {
        var problems = _checker.CheckLinks();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("README.md:3: link to docs/nope.md:", StringComparison.Ordinal) && p.EndsWith("does not exist", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("README.md:3: link to docs/good.md#no-such-part:", StringComparison.Ordinal) && p.Contains("no heading with the anchor #no-such-part", StringComparison.Ordinal));
    }

    [Fact]
    public void CliExamples_UnknownVerbMissingArgumentUnknownOptionAndUnknownField_AreReported()
    {
        var problems = _checker.CheckCliExamples();

        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("README.md:16: `mailflow domian list`", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("README.md:19: `mailflow protection set", StringComparison.Ordinal)
            && p.EndsWith("--set AntiSpam.RejectLevel: 'mailflow protection set' edits a ProtectionSettings, which has no field AntiSpam.RejectLevel", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("README.md:18: `mailflow queue retry`", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("`mailflow queue lisst`: 'mailflow queue' has no verb 'lisst'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'mailflow queue list' has no option --no-such-option", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfigurationKeys_Unbound_AreReported_InBothSpellings()
    {
        var problems = _checker.CheckConfigurationKeys();

        Assert.Equal(
            ["README.md:6: configuration key Mailflow:NoSuchKey is not bound by any options class or appsettings.json",
             "README.md:6: configuration key Mailflow:Nope:Thing is not bound by any options class or appsettings.json"],
            problems.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ApiRoutes_Missing_AreReported()
    {
        Assert.Equal(["README.md:8: API route DELETE /api/v1/nowhere/{id} does not exist"], _checker.CheckApiRoutes());
    }

    [Fact]
    public void Replies_NotWrittenByMailflow_AreReported()
    {
        Assert.Equal(
            ["README.md:22: the reply `550 5.7.54 Relaying is forbidden here` is not one Mailflow writes (SmtpReplies, DeliveryReplies)"],
            _checker.CheckReplies());
    }

    [Fact]
    public void MetricNames_Unknown_AreReported()
    {
        Assert.Equal(["README.md:23: metric mailflow_queue_size is not one /metrics serves"], _checker.CheckMetricNames());
    }

    [Fact]
    public void MenuPaths_UnknownLinkAndUnknownGroup_AreReported()
    {
        var problems = _checker.CheckMenuPaths();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("'Mail flow › Send connectorz': the Mail flow menu has no 'Send connectorz'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'Nowhere › Thing': 'Nowhere' is not in the navigation menu", StringComparison.Ordinal));
    }

    [Fact]
    public void StatusCatalogue_WrongTextsAndMissingCode_AreReported()
    {
        var problems = _checker.CheckStatusCatalogue();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains($"the queue viewer explains 451 4.4.1 as \"{Mailflow.Admin.Web.Queue.QueueStuckText.Explain("451 4.4.1 x")}\", the page says \"Some words of our own\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains($"the NDR explains 4.4.1 as \"{DsnExplanations.Explain("4.4.1")}\", the page says \"A text of our own\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("the catalogue has no \"NDR to the sender\" line for 5.2.2", StringComparison.Ordinal));
    }

    [Fact]
    public void CodeFacts_ConfigurationKeys_ComeFromTheOptionsClassesAndAppSettings()
    {
        var keys = CodeFacts.ConfigurationKeys(Path.Combine(CodeFacts.RepositoryRoot(), "appsettings.json"));

        Assert.Contains("Mailflow:Seed:DefaultFrontendPort", keys);   // a nested options class
        Assert.Contains("Mailflow:Queue:LeaseSeconds", keys);          // a server options class
        Assert.Contains("Mailflow:Logging:Json", keys);                // a setting constant
        Assert.Contains("Database:Provider", keys);                    // appsettings.json
        Assert.DoesNotContain("Mailflow:ResolvedDataDirectory", keys); // computed, not bound
        Assert.DoesNotContain("Mailflow:NoSuchKey", keys);
    }

    [Fact]
    public void CodeFacts_Menu_IsTheNavigationMenu()
    {
        var menu = CodeFacts.Menu(Path.Combine(CodeFacts.RepositoryRoot(), "src/Admin.Web/Components/Layout/NavMenu.razor"));

        Assert.Contains("Receive connectors", menu["Mail flow"]);
        Assert.Contains("TLS certificates", menu["Settings"]);
        Assert.Contains("Queues", menu[""]);
        Assert.DoesNotContain("Queues", menu["Mail flow"]);
    }
}
