namespace Mailflow.Server.Transport.Categorize;

/// <summary>Splitting an RFC 5321 mailbox (already validated by the receive stage) into its parts.</summary>
public static class MailAddressParts
{
    /// <summary>The domain after the last '@', lower-cased and without a trailing dot; empty when there is none.</summary>
    public static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..].TrimEnd('.').ToLowerInvariant();
    }

    /// <summary>True for <c>local@domain</c> with both parts non-empty.</summary>
    public static bool HasLocalAndDomain(string address)
    {
        var at = address.LastIndexOf('@');
        return at > 0 && at < address.Length - 1;
    }

    /// <summary>The address with its domain lower-cased; the local part keeps its case (RFC 5321 §2.4).</summary>
    public static string Normalize(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? address : address[..at] + "@" + DomainOf(address);
    }
}
