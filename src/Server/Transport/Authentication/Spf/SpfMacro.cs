using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mailflow.Server.Transport.Authentication.Spf;

/// <summary>What the SPF macro letters stand for in one evaluation (RFC 7208 §7.2).</summary>
public sealed record SpfMacroContext(string Sender, string Domain, IPAddress Ip, string Helo, string ReceivingHost, DateTimeOffset Now)
{
    /// <summary>The "p" macro's value, found by the evaluator when the expansion needs it (§7.3).</summary>
    public string? ValidatedName { get; init; }
}

/// <summary>
/// SPF macros (RFC 7208 §7): validation at parse time and expansion at evaluation time. An
/// expression is <c>%{letter[digits][r][delimiters]}</c>; <c>%%</c>, <c>%_</c> and <c>%-</c> are
/// a percent sign, a space and "%20". An upper-case letter URL-escapes its value.
/// </summary>
public static class SpfMacro
{
    private const string Letters = "slodiphv";
    private const string ExplanationLetters = "crt";
    private const string Delimiters = ".-+,/_=";

    /// <exception cref="FormatException">A "%" that starts no valid expression, or a letter not allowed here.</exception>
    public static void Validate(string text, bool allowExplanationLetters) => Walk(text, allowExplanationLetters, null);

    /// <summary>Whether <paramref name="text"/> uses the "p" macro (which costs DNS lookups to expand).</summary>
    public static bool UsesValidatedName(string text) => text.Contains("%{p", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="FormatException">The text is not a valid macro-string.</exception>
    public static string Expand(string text, SpfMacroContext context, bool explanation = false)
    {
        var output = new StringBuilder();
        Walk(text, explanation, (literal, expression) =>
        {
            if (literal is not null)
                output.Append(literal);
            else
                output.Append(ExpandExpression(expression!.Value, context));
        });
        return output.ToString();
    }

    /// <summary>A domain-spec after expansion: at most 253 octets, left-most labels dropped to get there (§7.3).</summary>
    public static string TruncateDomain(string domain)
    {
        domain = domain.TrimEnd('.');
        while (domain.Length > 253 && domain.IndexOf('.') is var dot and >= 0)
            domain = domain[(dot + 1)..];
        return domain;
    }

    private readonly record struct Expression(char Letter, int Digits, bool Reverse, string Delimiters);

    private static void Walk(string text, bool allowExplanationLetters, Action<string?, Expression?>? emit)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                if (c < 0x20 || c > 0x7E)
                    throw new FormatException($"\"{text}\" holds a character SPF does not allow.");
                emit?.Invoke(c.ToString(), null);
                continue;
            }
            if (i + 1 >= text.Length)
                throw new FormatException($"\"{text}\" ends with a lone \"%\".");
            var next = text[++i];
            switch (next)
            {
                case '%':
                    emit?.Invoke("%", null);
                    continue;
                case '_':
                    emit?.Invoke(" ", null);
                    continue;
                case '-':
                    emit?.Invoke("%20", null);
                    continue;
                case '{':
                    break;
                default:
                    throw new FormatException($"\"{text}\" has \"%{next}\", which is not a macro (use %% for a percent sign).");
            }
            var close = text.IndexOf('}', i);
            if (close < 0)
                throw new FormatException($"\"{text}\" has an unterminated macro.");
            var body = text[(i + 1)..close];
            i = close;
            if (body.Length == 0)
                throw new FormatException($"\"{text}\" has an empty macro.");
            var letter = body[0];
            var lower = char.ToLowerInvariant(letter);
            if (!Letters.Contains(lower) && !(allowExplanationLetters && ExplanationLetters.Contains(lower)))
                throw new FormatException($"\"{text}\" uses the macro letter \"{letter}\", which is not allowed here.");
            var position = 1;
            while (position < body.Length && char.IsAsciiDigit(body[position]))
                position++;
            var digits = 0;
            if (position > 1)
            {
                // A transformer of 0 is a syntax error; any other number is capped at 128 labels.
                if (!int.TryParse(body.AsSpan(1, position - 1), NumberStyles.None, CultureInfo.InvariantCulture, out digits))
                    digits = 128;
                if (digits == 0)
                    throw new FormatException($"\"{text}\" asks for zero labels of a macro.");
            }
            var reverse = false;
            if (position < body.Length && (body[position] == 'r' || body[position] == 'R'))
            {
                reverse = true;
                position++;
            }
            var delimiters = body[position..];
            if (delimiters.Any(d => !Delimiters.Contains(d)))
                throw new FormatException($"\"{text}\" has an invalid macro delimiter in \"%{{{body}}}\".");
            emit?.Invoke(null, new Expression(letter, digits, reverse, delimiters.Length == 0 ? "." : delimiters));
        }
    }

    private static string ExpandExpression(Expression expression, SpfMacroContext context)
    {
        var value = char.ToLowerInvariant(expression.Letter) switch
        {
            's' => context.Sender,
            'l' => LocalPart(context.Sender),
            'o' => context.Sender[(context.Sender.LastIndexOf('@') + 1)..],
            'd' => context.Domain,
            'i' => DottedAddress(context.Ip),
            'p' => context.ValidatedName ?? "unknown",
            'v' => context.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
            'h' => context.Helo,
            'c' => context.Ip.ToString(),
            'r' => context.ReceivingHost,
            't' => context.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            _ => throw new FormatException($"Unknown macro letter {expression.Letter}."),
        };
        var parts = value.Split(expression.Delimiters.ToCharArray());
        if (expression.Reverse)
            Array.Reverse(parts);
        if (expression.Digits > 0 && expression.Digits < parts.Length)
            parts = parts[^expression.Digits..];
        var result = string.Join('.', parts);
        return char.IsUpper(expression.Letter) ? Uri.EscapeDataString(result) : result;
    }

    private static string LocalPart(string sender)
    {
        var at = sender.LastIndexOf('@');
        return at <= 0 ? "postmaster" : sender[..at];
    }

    /// <summary>"i": dotted quad for IPv4, dot-separated nibbles for IPv6 (§7.3).</summary>
    public static string DottedAddress(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork)
            return ip.ToString();
        return string.Join('.', ip.GetAddressBytes().SelectMany(b => new[] { b >> 4, b & 0xF }).Select(n => n.ToString("x", CultureInfo.InvariantCulture)));
    }
}
