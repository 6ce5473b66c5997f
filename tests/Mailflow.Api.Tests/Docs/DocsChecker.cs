using System.Text.RegularExpressions;

namespace Mailflow.Api.Tests.Docs;

/// <summary>
/// Checks README.md and docs/**/*.md against the code (<see cref="DocsFacts"/>): links and anchors
/// resolve, <c>mailflow</c> examples parse, configuration keys exist, API routes exist, menu paths are
/// in the navigation menu, and the status code catalogue says what the queue viewer and the NDRs say.
/// Each check answers a list of problems as <c>file:line: what is wrong</c>; empty means fine.
/// </summary>
public sealed partial class DocsChecker(DocsFacts facts, IReadOnlyList<MarkdownDocument> documents)
{
    /// <summary>README.md and every Markdown file under docs/ of <paramref name="root"/>.</summary>
    public static IReadOnlyList<MarkdownDocument> LoadDocs(string root)
    {
        var files = new List<string> { Path.Combine(root, "README.md") };
        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        return files.Where(File.Exists).Select(MarkdownDocument.Load).ToList();
    }

    public IReadOnlyList<string> CheckLinks()
    {
        var problems = new List<string>();
        foreach (var document in documents)
        {
            foreach (var link in document.Links())
            {
                var target = link.Target;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                    continue;
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var file = Uri.UnescapeDataString(hash >= 0 ? target[..hash] : target);
                var anchor = hash >= 0 ? target[(hash + 1)..] : null;
                var resolved = file.Length == 0
                    ? document.Path
                    : Path.GetFullPath(Path.Combine(file.StartsWith('/') ? facts.RepositoryRoot : Path.GetDirectoryName(document.Path)!, file.TrimStart('/')));
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    problems.Add($"{Where(document, link.Line)}: link to {target}: {Relative(resolved)} does not exist");
                    continue;
                }
                if (anchor is null || !resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                    continue;
                var anchors = resolved == document.Path ? document.Anchors : MarkdownDocument.Load(resolved).Anchors;
                if (!anchors.Contains(anchor))
                    problems.Add($"{Where(document, link.Line)}: link to {target}: {Relative(resolved)} has no heading with the anchor #{anchor}");
            }
        }
        return problems;
    }

    public IReadOnlyList<string> CheckCliExamples()
    {
        var problems = new List<string>();
        foreach (var document in documents)
        {
            foreach (var block in document.CodeBlocks.Where(b => CliExamples.IsShell(b.Info)))
            {
                foreach (var (args, line) in CliExamples.Invocations(block.Text))
                {
                    var errors = CliExamples.ParseErrors(facts.Cli(), args, facts.SetTargets);
                    if (errors.Count > 0)
                        problems.Add($"{Where(document, block.Line + line)}: `mailflow {string.Join(' ', args)}`: {string.Join("; ", errors)}");
                }
            }
            foreach (var code in document.InlineCode())
            {
                var tokens = CliExamples.Tokenize(code.Text);
                if (tokens.Count < 2 || tokens[0] != CliExamples.Tool)
                    continue;
                var error = CliExamples.CheckMention(facts.Cli(), tokens.Skip(1).ToArray(), facts.SetTargets);
                if (error is not null)
                    problems.Add($"{Where(document, code.Line)}: `{code.Text}`: {error}");
            }
        }
        return problems;
    }

    public IReadOnlyList<string> CheckConfigurationKeys()
    {
        var problems = new List<string>();
        foreach (var document in documents)
        {
            foreach (var (key, index) in ConfigurationKeysIn(document.Text))
            {
                if (!facts.ConfigurationKeys.Contains(key))
                    problems.Add($"{WhereInText(document, index)}: configuration key {key} is not bound by any options class or appsettings.json");
            }
        }
        return problems;
    }

    public IReadOnlyList<string> CheckApiRoutes()
    {
        var problems = new List<string>();
        foreach (var document in documents)
        {
            foreach (Match match in MethodAndRoute().Matches(document.Text))
            {
                var path = match.Groups[2].Value.TrimEnd('.', ',', ':', ';', '\'', '"');
                var last = path.LastIndexOf('/');
                // "POST /api/v1/nodes/{name}/drain|resume" names two routes.
                var routes = path[(last + 1)..].Contains('|', StringComparison.Ordinal) && !path[(last + 1)..].StartsWith('{')
                    ? path[(last + 1)..].Split('|').Select(a => path[..(last + 1)] + a)
                    : [path];
                foreach (var route in routes)
                {
                    var normalized = ApiRoutes.Normalize(match.Groups[1].Value, route);
                    if (!facts.ApiRoutes.Contains(normalized))
                        problems.Add($"{WhereInText(document, match.Index)}: API route {match.Groups[1].Value} {route} does not exist");
                }
            }
            foreach (var code in document.InlineCode())
            {
                if (!code.Text.StartsWith("/api/v1/", StringComparison.Ordinal) || code.Text.Contains(' ', StringComparison.Ordinal))
                    continue;
                var prefix = ApiRoutes.Normalize("X", code.Text)[2..];
                if (!facts.ApiRoutes.Any(r => r[(r.IndexOf(' ', StringComparison.Ordinal) + 1)..] is var p && (p == prefix || p.StartsWith(prefix + "/", StringComparison.Ordinal))))
                    problems.Add($"{Where(document, code.Line)}: no API route is at or under {code.Text}");
            }
        }
        return problems;
    }

    /// <summary>
    /// "<b>Group › Link</b>" in bold, and table cells written "Group › Link …": a menu group must hold the
    /// link. A bold path must start with a menu group or link; a table cell that does not is not a menu path.
    /// </summary>
    public IReadOnlyList<string> CheckMenuPaths()
    {
        var problems = new List<string>();
        var topLevel = facts.Menu.GetValueOrDefault("") ?? new HashSet<string>();
        foreach (var document in documents)
        {
            foreach (Match match in BoldPath().Matches(document.Prose))
                CheckPath(match.Groups[1].Value, bold: true, match.Index);
            foreach (Match match in TableCellPath().Matches(document.Prose))
                CheckPath(match.Groups[1].Value, bold: false, match.Index);

            void CheckPath(string path, bool bold, int index)
            {
                var parts = path.Split('›', StringSplitOptions.TrimEntries);
                if (facts.Menu.TryGetValue(parts[0], out var links) && parts[0].Length > 0)
                {
                    // "Settings › TLS certificates, then …": the link's name, then anything that is not more of a name.
                    if (!links.Any(link => parts[1].StartsWith(link, StringComparison.Ordinal) && (parts[1].Length == link.Length || !char.IsLetterOrDigit(parts[1][link.Length]) && parts[1][link.Length] != ' ')))
                        problems.Add($"{Where(document, document.LineOf(index))}: menu path '{path}': the {parts[0]} menu has no '{parts[1]}' (it has: {string.Join(", ", links)})");
                }
                else if (bold && !topLevel.Contains(parts[0]))
                    problems.Add($"{Where(document, document.LineOf(index))}: menu path '{path}': '{parts[0]}' is not in the navigation menu");
            }
        }
        return problems;
    }

    /// <summary>
    /// The catalogue's "NDR to the sender" and "Queue viewer" lines must quote the code's own texts, and
    /// every code of <see cref="DocsFacts.CatalogueCodes"/> must have an entry.
    /// </summary>
    public IReadOnlyList<string> CheckStatusCatalogue()
    {
        var problems = new List<string>();
        var path = Path.GetFullPath(Path.Combine(facts.RepositoryRoot, facts.CataloguePath));
        var document = documents.FirstOrDefault(d => d.Path == path);
        if (document is null)
            return [$"{facts.CataloguePath}: the status code catalogue is missing"];
        var explained = new HashSet<string>(StringComparer.Ordinal);
        string? headingCode = null;
        var lines = document.Prose.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (CatalogueHeading().Match(line) is { Success: true } heading)
            {
                headingCode = heading.Groups[1].Value;
                continue;
            }
            if (NdrLine().Match(line) is { Success: true } ndr)
            {
                var code = ndr.Groups[1].Success ? ndr.Groups[1].Value : headingCode;
                if (code is null)
                {
                    problems.Add($"{Where(document, i + 1)}: an NDR text without a code (no `for X.Y.Z` and no code in the heading)");
                    continue;
                }
                explained.Add(code);
                var expected = facts.NdrText(code);
                if (ndr.Groups[2].Value != expected)
                    problems.Add($"{Where(document, i + 1)}: the NDR explains {code} as \"{expected}\", the page says \"{ndr.Groups[2].Value}\"");
            }
            else if (QueueViewerLine().Match(line) is { Success: true } queue)
            {
                var expected = facts.QueueViewerText(queue.Groups[1].Value + " text");
                if (queue.Groups[2].Value != expected)
                    problems.Add($"{Where(document, i + 1)}: the queue viewer explains {queue.Groups[1].Value} as \"{expected}\", the page says \"{queue.Groups[2].Value}\"");
            }
        }
        foreach (var code in facts.CatalogueCodes.Where(c => !explained.Contains(c)).Order(StringComparer.Ordinal))
            problems.Add($"{Relative(document.Path)}: the catalogue has no \"NDR to the sender\" line for {code}");
        return problems;
    }

    /// <summary>
    /// A reply quoted with its text (<c>`550 5.7.54 Unable to relay recipient in non-accepted domain`</c>) must be
    /// one Mailflow writes. In the page's text "…", <c>&lt;placeholder&gt;</c> and numbers stand for the variable parts.
    /// </summary>
    public IReadOnlyList<string> CheckReplies()
    {
        var problems = new List<string>();
        foreach (var document in documents)
        {
            foreach (var code in document.InlineCode())
            {
                if (QuotedReply().Match(code.Text) is not { Success: true } codes)
                    continue;
                // The codes exactly; in the text, numbers may differ ("within 2 days") and placeholders stand for anything.
                var text = ReplyPlaceholder().Split(code.Text[codes.Length..]).Select((part, i) => i % 2 == 1 ? ".*" : DigitsAsNumbers(part));
                var pattern = new Regex("^" + Regex.Escape(codes.Value) + string.Concat(text) + "$");
                if (!facts.Replies.Any(pattern.IsMatch))
                    problems.Add($"{Where(document, code.Line)}: the reply `{code.Text}` is not one Mailflow writes (SmtpReplies, DeliveryReplies)");
            }
        }
        return problems;

        static string DigitsAsNumbers(string literal) => Regex.Replace(Regex.Escape(literal), @"\d+", @"\d+");
    }

    /// <summary>
    /// Every <c>`mailflow_area_what…`</c> metric name must be one <c>/metrics</c> serves. Two-part names
    /// (<c>mailflow_config</c>, the NOTIFY channel) are not metric names: every metric has an area and a what.
    /// </summary>
    public IReadOnlyList<string> CheckMetricNames()
    {
        var problems = new List<string>();
        foreach (var document in documents)
        {
            foreach (var code in document.InlineCode().Where(c => MetricName().IsMatch(c.Text)))
            {
                if (!facts.MetricNames.Contains(code.Text))
                    problems.Add($"{Where(document, code.Line)}: metric {code.Text} is not one /metrics serves");
            }
        }
        return problems;
    }

    /// <summary>Keys as <c>Mailflow:A:B</c>, <c>Database:Provider</c> or environment variables <c>Mailflow__A__B</c> (array indexes dropped).</summary>
    public static IEnumerable<(string Key, int Index)> ConfigurationKeysIn(string text)
    {
        foreach (Match match in ColonKey().Matches(text))
            yield return (match.Value, match.Index);
        foreach (Match match in EnvironmentKey().Matches(text))
        {
            var parts = match.Value.Split("__").Where(p => !p.All(char.IsAsciiDigit));
            yield return (string.Join(':', parts), match.Index);
        }
    }

    private string Where(MarkdownDocument document, int line) => $"{Relative(document.Path)}:{line}";

    private string WhereInText(MarkdownDocument document, int index) => Where(document, document.Text.AsSpan(0, index).Count('\n') + 1);

    private string Relative(string path) => Path.GetRelativePath(facts.RepositoryRoot, path);

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?:Mailflow|Database|ConnectionStrings)(?::[A-Za-z][A-Za-z0-9]*)+")]
    private static partial Regex ColonKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?:Mailflow|Database|ConnectionStrings)(?:__[A-Za-z0-9]+)+")]
    private static partial Regex EnvironmentKey();

    [GeneratedRegex(@"\b(GET|POST|PUT|DELETE|PATCH)\s+(/api/v1/[^\s`)\]]*)")]
    private static partial Regex MethodAndRoute();

    [GeneratedRegex(@"\*\*([^*\n]+?›[^*\n]+?)\*\*")]
    private static partial Regex BoldPath();

    [GeneratedRegex(@"(?<=\|)[ ]*([A-Z][^|`\n›]*›[^|`\n]*?)[ ]*(?=\|)")]
    private static partial Regex TableCellPath();

    [GeneratedRegex(@"^mailflow_[a-z0-9]+_[a-z0-9_]+$")]
    private static partial Regex MetricName();

    /// <summary>A reply with its text: code, enhanced status code, then words.</summary>
    [GeneratedRegex(@"^[245]\d\d [245]\.\d{1,3}\.\d{1,3} (?=\S)")]
    private static partial Regex QuotedReply();

    /// <summary>What stands for a variable part: "…" or a &lt;placeholder&gt;. Split keeps it as the odd parts.</summary>
    [GeneratedRegex(@"(…|<[^<>]+>)")]
    private static partial Regex ReplyPlaceholder();

    [GeneratedRegex(@"^###\s+([245]\.\d{1,3}\.\d{1,3})\b")]
    private static partial Regex CatalogueHeading();

    [GeneratedRegex(@"^- \*\*NDR to the sender(?::\*\*|\*\* for `([245]\.\d{1,3}\.\d{1,3})`:) ""([^""]*)""")]
    private static partial Regex NdrLine();

    [GeneratedRegex(@"^- \*\*Queue viewer\*\* \(for `([245]\d\d [245]\.\d{1,3}\.\d{1,3})[^`]*`\): ""([^""]*)""")]
    private static partial Regex QueueViewerLine();
}
