using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mailflow.Api.Tests.Docs;

/// <summary>A fenced code block: its info string (<c>bash</c>, <c>sh</c>, …), its text and the line it starts on.</summary>
public sealed record CodeBlock(string Info, string Text, int Line);

/// <summary>A link or image target as written, with the line it is on.</summary>
public sealed record MarkdownLink(string Target, int Line);

/// <summary>An inline code span (whitespace collapsed) with the line it starts on.</summary>
public sealed record InlineCode(string Text, int Line);

/// <summary>
/// One Markdown file, read the way GitHub renders it for the parts the docs check needs: fenced code
/// blocks, prose (the rest, code blocks blanked so nothing in them counts as a link or heading), inline
/// code spans, links and the heading anchors GitHub generates.
/// </summary>
public sealed partial class MarkdownDocument
{
    private MarkdownDocument(string path, string text)
    {
        Path = path;
        Text = text;
        var prose = new StringBuilder();
        var blocks = new List<CodeBlock>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        string? fence = null;
        string info = "";
        int start = 0;
        var block = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                info = trimmed[3..].Trim();
                start = i + 1;
                block.Clear();
                prose.Append('\n');
                continue;
            }
            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.Trim() == new string(fence[0], trimmed.Trim().Length))
                {
                    blocks.Add(new CodeBlock(info, block.ToString(), start + 1));
                    fence = null;
                }
                else
                    block.Append(line).Append('\n');
                prose.Append('\n');
                continue;
            }
            prose.Append(line).Append('\n');
        }
        Prose = prose.ToString();
        CodeBlocks = blocks;
        Anchors = ReadAnchors(Prose);
    }

    /// <summary>The file's path (absolute).</summary>
    public string Path { get; }

    public string Text { get; }

    /// <summary>Everything outside fenced code blocks (the blocks' lines left empty, so line numbers stay).</summary>
    public string Prose { get; }

    public IReadOnlyList<CodeBlock> CodeBlocks { get; }

    /// <summary>The anchors of the file's headings, as GitHub makes them (<c>#ports-25-587-and-465</c>, duplicates <c>-1</c>, <c>-2</c>).</summary>
    public IReadOnlySet<string> Anchors { get; }

    public static MarkdownDocument Load(string path) => new(System.IO.Path.GetFullPath(path), File.ReadAllText(path));

    /// <summary>The inline code spans of the prose.</summary>
    public IEnumerable<InlineCode> InlineCode()
    {
        foreach (Match match in InlineCodeSpan().Matches(Prose))
            yield return new InlineCode(Whitespace().Replace(match.Groups[1].Value, " ").Trim(), LineOf(match.Index));
    }

    /// <summary>Link and image targets of the prose, inline code excluded.</summary>
    public IEnumerable<MarkdownLink> Links()
    {
        var withoutCode = InlineCodeSpan().Replace(Prose, m => new string(' ', m.Length - m.Value.Count(c => c == '\n')) + new string('\n', m.Value.Count(c => c == '\n')));
        foreach (Match match in LinkPattern().Matches(withoutCode))
            yield return new MarkdownLink(match.Groups[1].Value, LineOf(match.Index));
    }

    /// <summary>The line number (from 1) of a position in <see cref="Prose"/> (the same as in the file).</summary>
    public int LineOf(int index) => Prose.AsSpan(0, Math.Min(index, Prose.Length)).Count('\n') + 1;

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped (letters, digits, '_', '-' and spaces stay), spaces to '-'.</summary>
    public static string Slug(string heading)
    {
        var text = LinkInHeading().Replace(heading, "$1");
        var slug = new StringBuilder();
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsLetterOrDigit(c) || c == '-' || category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.NonSpacingMark)
                slug.Append(c);
            else if (c == ' ')
                slug.Append('-');
        }
        return slug.ToString();
    }

    private static HashSet<string> ReadAnchors(string prose)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in Heading().Matches(prose))
        {
            var slug = Slug(match.Groups[1].Value.TrimEnd('#', ' '));
            var seen = counts.GetValueOrDefault(slug);
            anchors.Add(seen == 0 ? slug : $"{slug}-{seen}");
            counts[slug] = seen + 1;
        }
        return anchors;
    }

    [GeneratedRegex(@"^#{1,6}[ \t]+(.+?)[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex InlineCodeSpan();

    [GeneratedRegex(@"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkInHeading();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
