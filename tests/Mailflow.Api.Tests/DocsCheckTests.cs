using Mailflow.Api.Tests.Docs;
using Mailflow.Data;

namespace Mailflow.Api.Tests;

/// <summary>
/// README.md and docs/**/*.md against the code as it is: links and anchors resolve, every
/// <c>mailflow</c> example is accepted by the CLI's parser, every configuration key is bound, every API
/// route exists in the server's endpoint table, every quoted reply is one Mailflow writes, every metric
/// name is one /metrics serves, every menu path is in the navigation menu, and the troubleshooting
/// catalogue quotes the queue viewer's and the NDR's own texts. A failure lists each problem as
/// <c>file:line: what is wrong</c>. The checker itself is tested on bad samples in <see cref="DocsCheckerTests"/>.
/// </summary>
public sealed class DocsCheckTests(ServerPerClass servers) : IClassFixture<ServerPerClass>
{
    private static readonly IReadOnlyList<MarkdownDocument> Documents = DocsChecker.LoadDocs(CodeFacts.RepositoryRoot());

    private static DocsChecker Checker(DocsFacts? facts = null) => new(facts ?? CodeFacts.From(), Documents);

    [Fact]
    public void Docs_AreFound()
    {
        var names = Documents.Select(d => Path.GetRelativePath(CodeFacts.RepositoryRoot(), d.Path)).ToList();
        Assert.Contains("README.md", names);
        Assert.Contains(Path.Combine("docs", "admin-guide.md"), names);
        Assert.Contains(Path.Combine("docs", "troubleshooting.md"), names);
    }

    [Fact]
    public void Links_AndAnchors_Resolve() => AssertNone(Checker().CheckLinks(), "links that do not resolve");

    [Fact]
    public void CliExamples_AreAcceptedByTheCli() => AssertNone(Checker().CheckCliExamples(), "mailflow examples the CLI does not accept");

    [Fact]
    public void ConfigurationKeys_AreBound() => AssertNone(Checker().CheckConfigurationKeys(), "configuration keys no options class binds");

    [Fact]
    public async Task ApiRoutes_ExistInTheServersEndpointTable()
    {
        var server = await servers.GetAsync(DatabaseProvider.Sqlite, null);
        var routes = CodeFacts.RoutesOf(server.Services);
        Assert.Contains("GET /api/v1/queues", routes);
        AssertNone(Checker(CodeFacts.From(routes)).CheckApiRoutes(), "API routes that do not exist");
    }

    [Fact]
    public void QuotedReplies_AreOnesMailflowWrites() => AssertNone(Checker().CheckReplies(), "quoted replies Mailflow does not write");

    [Fact]
    public void MetricNames_AreServedByMetrics()
    {
        var facts = CodeFacts.From();
        Assert.Contains("mailflow_smtp_received_bytes_total", facts.MetricNames);
        Assert.Contains("mailflow_delivery_latency_seconds_count", facts.MetricNames);
        Assert.Contains("mailflow_queue_oldest_message_age_seconds", facts.MetricNames);
        AssertNone(Checker(facts).CheckMetricNames(), "metric names /metrics does not serve");
    }

    [Fact]
    public void MenuPaths_AreInTheNavigationMenu() => AssertNone(Checker().CheckMenuPaths(), "menu paths that are not in the navigation menu");

    [Fact]
    public void StatusCatalogue_QuotesTheQueueViewerAndNdrTexts() =>
        AssertNone(Checker().CheckStatusCatalogue(), "status code texts that differ from the code's");

    private static void AssertNone(IReadOnlyList<string> problems, string what) =>
        Assert.True(problems.Count == 0, $"{problems.Count} {what}:\n" + string.Join('\n', problems));
}
