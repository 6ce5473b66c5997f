namespace Mailflow.Server.Transport.Receive.Protocol;

/// <summary>
/// A mailbox from a MAIL FROM or RCPT TO path (RFC 5321 §4.1.2), after the parser has validated it
/// and stripped any source route (§4.1.1.3, Appendix C).
/// </summary>
/// <param name="LocalPart">The local part as written, including the quotes of a quoted string (case preserved: §2.4).</param>
/// <param name="Domain">Lower-cased domain, or an address literal such as <c>[192.0.2.1]</c>; empty only for the bare <c>&lt;Postmaster&gt;</c> recipient.</param>
/// <param name="IsQuotedLocalPart">The local part was a quoted string (<c>"john doe"@example.com</c>).</param>
/// <param name="IsAddressLiteral">The domain is an address literal in brackets.</param>
/// <param name="HadSourceRoute">The path carried a source route that was stripped (<c>&lt;@a,@b:user@c&gt;</c>).</param>
public sealed record SmtpAddress(string LocalPart, string Domain, bool IsQuotedLocalPart, bool IsAddressLiteral, bool HadSourceRoute = false)
{
    /// <summary>The local part without surrounding quotes and quoted-pair escapes: what a mailbox lookup compares.</summary>
    public string UnquotedLocalPart => IsQuotedLocalPart ? Unquote(LocalPart) : LocalPart;

    /// <summary>RFC 5321 §4.1.1.3: <c>RCPT TO:&lt;Postmaster&gt;</c> without a domain must be accepted.</summary>
    public bool IsBarePostmaster => Domain.Length == 0;

    /// <summary>False when the local part or domain contains UTF-8 (only legal with SMTPUTF8, RFC 6531).</summary>
    public bool IsAscii => System.Text.Ascii.IsValid(LocalPart) && System.Text.Ascii.IsValid(Domain);

    public string Address => IsBarePostmaster ? LocalPart : $"{LocalPart}@{Domain}";

    public override string ToString() => Address;

    private static string Unquote(string quoted)
    {
        var inner = quoted.AsSpan(1, quoted.Length - 2);
        var builder = new System.Text.StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length)
                i++;
            builder.Append(inner[i]);
        }
        return builder.ToString();
    }
}
