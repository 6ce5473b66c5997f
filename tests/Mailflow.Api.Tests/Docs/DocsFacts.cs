using System.CommandLine;

namespace Mailflow.Api.Tests.Docs;

/// <summary>
/// What the docs are checked against, taken from the code as it is: the CLI's command tree, the
/// configuration keys the options classes and appsettings.json bind, the API's routes, the admin
/// center's navigation menu and the status code texts of the queue viewer and the NDRs.
/// </summary>
public sealed record DocsFacts
{
    /// <summary>The repository root: links may point anywhere in it.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>A fresh <c>mailflow</c> command tree (System.CommandLine keeps parse state per tree, so one per use).</summary>
    public required Func<RootCommand> Cli { get; init; }

    /// <summary>Every configuration key, and every section above one (<c>Mailflow</c>, <c>Mailflow:Seed</c>, …).</summary>
    public required IReadOnlySet<string> ConfigurationKeys { get; init; }

    /// <summary>Every API endpoint as <c>METHOD /path</c> with parameters written <c>{}</c> (see <see cref="ApiRoutes.Normalize"/>).</summary>
    public required IReadOnlySet<string> ApiRoutes { get; init; }

    /// <summary>The admin center's menu: group title → its links; top-level links under the empty title.</summary>
    public required IReadOnlyDictionary<string, IReadOnlySet<string>> Menu { get; init; }

    /// <summary>The NDR's explanation of an enhanced status code.</summary>
    public required Func<string, string> NdrText { get; init; }

    /// <summary>The queue viewer's words for a failure reply (<c>451 4.4.1 …</c>).</summary>
    public required Func<string, string> QueueViewerText { get; init; }

    /// <summary>The codes the catalogue must have an entry for: each the NDR explains with a text of its own, and the ones admins meet first.</summary>
    public required IReadOnlyCollection<string> CatalogueCodes { get; init; }

    /// <summary>
    /// Every reply Mailflow writes (the reply table and the delivery outcomes), rendered as
    /// <c>550 5.7.54 Unable to relay …</c> with "…" for each text parameter and 0 for numbers.
    /// </summary>
    public IReadOnlyList<string> Replies { get; init; } = [];

    /// <summary>The Prometheus names <c>/metrics</c> serves for the "Mailflow" meter (histograms with their <c>_bucket</c>, <c>_sum</c>, <c>_count</c> series).</summary>
    public IReadOnlySet<string> MetricNames { get; init; } = new HashSet<string>();

    /// <summary>
    /// What <c>--set Field=Value</c> (or <c>Section.Field=Value</c>) edits per CLI verb (<c>"protection set"</c> →
    /// the protection settings' type): a field must be a property of it, compared case-insensitively as the CLI does.
    /// </summary>
    public IReadOnlyDictionary<string, Type> SetTargets { get; init; } = new Dictionary<string, Type>();

    /// <summary>The page that holds the status code catalogue, relative to the repository root.</summary>
    public string CataloguePath { get; init; } = "docs/troubleshooting.md";
}

/// <summary>The one way routes are compared: method, path, parameters as <c>{}</c>, no query, no trailing slash.</summary>
public static class ApiRoutes
{
    public static string Normalize(string method, string path)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
            path = path[..query];
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.StartsWith('{') && s.EndsWith('}') ? "{}" : s);
        return $"{method.ToUpperInvariant()} /{string.Join('/', segments)}";
    }
}
