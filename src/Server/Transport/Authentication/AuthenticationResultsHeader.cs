using System.Text;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.Spf;
using MimeKit;

namespace Mailflow.Server.Transport.Authentication;

/// <summary>The Authentication-Results header field (RFC 8601) Mailflow writes, and the recognition of ones that claim to be ours.</summary>
public static class AuthenticationResultsHeader
{
    public const string Name = "Authentication-Results";

    /// <summary>The header value: "authserv-id; spf=… smtp.mailfrom=…; dkim=… header.d=… header.s=… header.b=…; dmarc=… header.from=…", then arc=…, one method per folded line.</summary>
    public static string Render(string authServId, SenderAuthenticationResult result)
    {
        var methods = new List<string>();
        var spfProperty = result.Spf.Identity == SpfIdentity.Helo ? "smtp.helo" : "smtp.mailfrom";
        methods.Add($"spf={result.Spf.ResultText} {spfProperty}={Value(result.Spf.Sender.StartsWith("postmaster@", StringComparison.Ordinal) ? result.Spf.Domain : result.Spf.Sender)}");
        if (result.Dkim.Count == 0)
            methods.Add("dkim=none");
        foreach (var signature in result.Dkim)
        {
            var text = new StringBuilder($"dkim={signature.ResultText}");
            if (signature.Result != DkimResult.Pass)
                text.Append(" (").Append(Comment(signature.Reason)).Append(')');
            if (signature.Domain.Length > 0)
                text.Append(" header.d=").Append(Value(signature.Domain));
            if (signature.Selector.Length > 0)
                text.Append(" header.s=").Append(Value(signature.Selector));
            if (signature.Algorithm.Length > 0)
                text.Append(" header.a=").Append(Value(signature.Algorithm));
            if (!string.IsNullOrEmpty(signature.SignaturePrefix))
                text.Append(" header.b=").Append(Value(signature.SignaturePrefix));
            methods.Add(text.ToString());
        }
        var dmarc = new StringBuilder($"dmarc={result.Dmarc.ResultText}");
        if (result.Dmarc.RequestedPolicy is { } requested)
            dmarc.Append($" (p={requested.ToText()} dis={result.Dmarc.Disposition.ToText()})");
        if (result.FromDomain is not null)
            dmarc.Append(" header.from=").Append(Value(result.FromDomain));
        methods.Add(dmarc.ToString());
        if (result.Arc is { } arc)
            methods.Add(arc.Result == Arc.ArcResult.None ? "arc=none" : $"arc={arc.ResultText} ({Comment(arc.Reason)})");
        return authServId + ";\r\n\t" + string.Join(";\r\n\t", methods);
    }

    /// <summary>Whether an Authentication-Results value names <paramref name="authServId"/> as its authserv-id (case-insensitive, RFC 8601 §2.5).</summary>
    public static bool ClaimsToBe(string value, string authServId)
    {
        var text = Header.Unfold(value).TrimStart();
        // Leading comments are CFWS: skip "(…)" before the id.
        while (text.StartsWith('('))
        {
            var close = text.IndexOf(')');
            if (close < 0)
                return false;
            text = text[(close + 1)..].TrimStart();
        }
        var end = text.IndexOfAny([';', ' ', '\t', '(']);
        var id = end < 0 ? text : text[..end];
        return id.Trim('"').Equals(authServId, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A property value: a token as is, anything else quoted (RFC 2045 value).</summary>
    private static string Value(string value) =>
        value.Length > 0 && value.All(c => c > ' ' && c < 127 && !"()<>,;:\\\"/[]?=".Contains(c) || c is '@' or '.' or '/' or '=')
            ? value
            : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string Comment(string text) => text.Replace("\\", "\\\\").Replace("(", "\\(").Replace(")", "\\)").Replace("\r", " ").Replace("\n", " ");
}
