namespace Mailflow.Configuration;

/// <summary>
/// One address rewriting entry (Exchange's address rewrite entry, Postfix's canonical/generic maps):
/// mail leaving the organization carries <see cref="ExternalAddress"/> instead of the internal
/// address — envelope sender and the From, Sender, Reply-To, To and Cc fields — and, unless
/// <see cref="OutboundOnly"/>, mail to the external address is rewritten back to the internal one
/// (envelope recipients and the To and Cc fields) before the recipients are resolved.
/// </summary>
public sealed class AddressRewriteEntry : IConfigurationObject
{
    public const int MaxNameLength = 64;
    public const int MaxExceptions = 100;

    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>What admins call the entry, unique (the configuration document's key).</summary>
    public string Name { get; set; } = "";
    /// <summary>What is rewritten: an address (<c>kim@corp.contoso.com</c>), a domain (<c>corp.contoso.com</c>) or every subdomain of one (<c>*.contoso.com</c>). Stored normalized.</summary>
    public string InternalAddress { get; set; } = "";
    /// <summary>What it becomes: an address for an address, a domain for a domain or subdomains. Stored normalized.</summary>
    public string ExternalAddress { get; set; } = "";
    /// <summary>Addresses, domains or <c>*.</c>subdomains under <see cref="InternalAddress"/> that are left as they are.</summary>
    public List<string> ExceptionList { get; set; } = [];
    /// <summary>Only outbound: mail to the external address is not rewritten back (required for <c>*.</c>subdomain entries, whose way back is ambiguous).</summary>
    public bool OutboundOnly { get; set; }
    public bool Enabled { get; set; } = true;
    public int Revision { get; set; }

    public string DisplayName => Name;
}
