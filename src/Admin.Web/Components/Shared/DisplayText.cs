namespace Mailflow.Admin.Web.Components.Shared;

/// <summary>
/// Values the engine names in code (enum names such as <c>TemporaryFailure</c>, <c>NotMatched</c>, <c>Tls13</c>) in
/// the words an admin reads. Pages show these, never the raw names.
/// </summary>
public static class DisplayText
{
    /// <summary>"TemporaryFailure" → "Temporary failure", "domainName" → "Domain name"; acronyms stay ("MX" → "MX").</summary>
    public static string Words(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "";
        var text = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var ch = name[i];
            if (i == 0)
                text.Append(char.ToUpperInvariant(ch));
            else if (char.IsUpper(ch) && !char.IsUpper(name[i - 1]))
                text.Append(' ').Append(char.ToLowerInvariant(ch));
            else
                text.Append(ch);
        }
        return text.ToString();
    }

    /// <summary>.NET's SslProtocols names ("Tls13") as people write them ("TLS 1.3").</summary>
    public static string TlsProtocol(string? protocol) => Mailflow.Net.TlsProtocolText.Describe(protocol);
}
