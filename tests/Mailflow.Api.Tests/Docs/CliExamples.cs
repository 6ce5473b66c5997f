using System.CommandLine;
using System.Text;

namespace Mailflow.Api.Tests.Docs;

/// <summary>
/// Finds <c>mailflow …</c> command lines in shell code blocks and checks them against the CLI's own
/// command tree: a whole example line is parsed by System.CommandLine like the tool does (every verb,
/// option and argument must be accepted); an inline mention (<c>`mailflow queue retry KEY`</c>, often
/// with placeholders or "…") only needs its verbs and options to exist.
/// </summary>
public static class CliExamples
{
    public const string Tool = "mailflow";

    /// <summary>The shell languages whose blocks hold runnable examples.</summary>
    public static bool IsShell(string info) => info.Split(' ', 2)[0] is "sh" or "bash" or "shell" or "console";

    /// <summary>Each <c>mailflow</c> invocation of a shell block, as the arguments after the tool's name, with its line in the block (from 0).</summary>
    public static IEnumerable<(string[] Args, int Line)> Invocations(string block)
    {
        var lines = block.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var first = i;
            var line = lines[i];
            // A trailing backslash continues the command on the next line.
            while (line.TrimEnd().EndsWith('\\') && i + 1 < lines.Length)
                line = line.TrimEnd()[..^1] + " " + lines[++i];
            foreach (var command in SplitCommands(StripComment(line)))
            {
                var tokens = WithoutRedirections(Tokenize(command)).SkipWhile(IsAssignment).ToList();
                if (tokens.Count > 0 && tokens[0] == Tool)
                    yield return (tokens.Skip(1).ToArray(), first);
            }
        }
    }

    /// <summary>
    /// What the CLI's parser says is wrong with <paramref name="args"/>, and any <c>--set</c> field the edited
    /// object does not have (nothing when all is well).
    /// </summary>
    public static IReadOnlyList<string> ParseErrors(RootCommand root, string[] args, IReadOnlyDictionary<string, Type> setTargets)
    {
        var result = root.Parse(args);
        var errors = result.Errors.Select(e => e.Message).ToList();
        if (errors.Count == 0)
            errors.AddRange(SetFieldErrors(Path(result.CommandResult.Command), args, setTargets));
        return errors;
    }

    /// <summary>Each <c>--set Field=Value</c> whose field (<c>Section.Field</c> a level down) is not a property of what the verb edits.</summary>
    public static IEnumerable<string> SetFieldErrors(string verb, IReadOnlyList<string> args, IReadOnlyDictionary<string, Type> setTargets)
    {
        if (!setTargets.TryGetValue(verb, out var target))
            yield break;
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] != "--set")
                continue;
            var assignment = args[i + 1];
            var field = assignment.Split('=', 2)[0];
            if (field.Contains('…', StringComparison.Ordinal))
                continue;
            var type = target;
            foreach (var name in field.Split('.'))
            {
                var property = type?.GetProperty(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
                type = property?.PropertyType;
                if (property is null)
                    break;
            }
            if (type is null)
                yield return $"--set {field}: '{Tool} {verb}' edits a {target.Name}, which has no field {field}";
        }
    }

    /// <summary>
    /// An inline mention: the leading words must be verbs of the tool (down to a command without
    /// subcommands or the first argument), and every <c>--option</c> must be one of that command's
    /// (or a global one). <c>a|b</c> lists alternatives; placeholders and values are not checked.
    /// </summary>
    public static string? CheckMention(RootCommand root, string[] args, IReadOnlyDictionary<string, Type>? setTargets = null)
    {
        Command command = root;
        var descending = true;
        for (var i = 0; i < args.Length; i++)
        {
            var token = args[i].Trim('[', ']', ',', '.', ';', '(', ')');
            if (token.Length == 0 || token.StartsWith('…'))
                continue;
            var alternatives = token.Split('|', StringSplitOptions.RemoveEmptyEntries);
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                var options = alternatives.Select(a => FindOption(command, a.Split('=')[0])).ToList();
                var unknown = alternatives.Where((_, index) => options[index] is null && !IsHelp(alternatives[index])).FirstOrDefault();
                if (unknown is not null)
                    return $"'{Tool} {Path(command)}' has no option {unknown}";
                if (token == "--set" && setTargets is not null && SetFieldErrors(Path(command), args[i..Math.Min(i + 2, args.Length)], setTargets).FirstOrDefault() is { } setError)
                    return setError;
                // "--since 2h": the option's value is not a verb.
                if (!token.Contains('=', StringComparison.Ordinal) && options.Any(o => o?.Arity.MaximumNumberOfValues > 0)
                    && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    i++;
                continue;
            }
            if (!descending || token.StartsWith('-'))
                continue;
            var subcommands = alternatives.Select(a => command.Subcommands.FirstOrDefault(s => s.Name == a || s.Aliases.Contains(a))).ToList();
            if (subcommands.All(s => s is not null))
            {
                if (subcommands.Count == 1)
                    command = subcommands[0]!;
                else
                    descending = false;
                continue;
            }
            if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
                return $"'{Tool} {Path(command)}' has no verb '{token}' (it has: {string.Join(", ", command.Subcommands.Select(s => s.Name))})";
            descending = false;
        }
        return null;
    }

    private static Option? FindOption(Command command, string name)
    {
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            var option = c.Options.FirstOrDefault(o => (o.Name == name || o.Aliases.Contains(name)) && (c == command || o.Recursive));
            if (option is not null)
                return option;
        }
        return null;
    }

    private static bool IsHelp(string name) => name is "--help" or "-h" or "-?";

    public static string Path(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, c.Name);
        return string.Join(' ', names);
    }

    private static bool IsAssignment(string token)
    {
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && token[..equals].All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(token[0]);
    }

    /// <summary>Drops <c># comment</c> (a '#' after whitespace, outside quotes).</summary>
    private static string StripComment(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                if (c == quote)
                    quote = null;
            }
            else if (c is '"' or '\'')
                quote = c;
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
                return line[..i];
        }
        return line;
    }

    /// <summary>Splits at <c>&amp;&amp;</c>, <c>||</c>, <c>;</c> and <c>|</c> outside quotes.</summary>
    private static IEnumerable<string> SplitCommands(string line)
    {
        var current = new StringBuilder();
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                if (c == quote)
                    quote = null;
                current.Append(c);
                continue;
            }
            if (c is '"' or '\'')
            {
                quote = c;
                current.Append(c);
                continue;
            }
            if (c is ';' or '|' || (c == '&' && i + 1 < line.Length && line[i + 1] == '&'))
            {
                yield return current.ToString();
                current.Clear();
                if (i + 1 < line.Length && line[i + 1] == c)
                    i++;
                continue;
            }
            current.Append(c);
        }
        yield return current.ToString();
    }

    /// <summary>Shell words: whitespace separates, quotes group (and are removed).</summary>
    public static List<string> Tokenize(string command)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inToken = false;
        char? quote = null;
        foreach (var c in command)
        {
            if (quote is not null)
            {
                if (c == quote)
                    quote = null;
                else
                    current.Append(c);
                continue;
            }
            if (c is '"' or '\'')
            {
                quote = c;
                inToken = true;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inToken)
                    tokens.Add(current.ToString());
                current.Clear();
                inToken = false;
                continue;
            }
            current.Append(c);
            inToken = true;
        }
        if (inToken)
            tokens.Add(current.ToString());
        return tokens;
    }

    private static IEnumerable<string> WithoutRedirections(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var redirect = token.TrimStart('0', '1', '2');
            if (redirect.StartsWith('>') || redirect.StartsWith('<'))
            {
                if (redirect.TrimStart('>', '<', '&').Length == 0)
                    i++; // "> file": the file is the next word
                continue;
            }
            yield return token;
        }
    }
}
