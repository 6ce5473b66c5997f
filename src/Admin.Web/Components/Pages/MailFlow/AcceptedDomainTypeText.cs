using Mailflow.Configuration;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>What each accepted domain type means, in the words an Exchange admin knows.</summary>
public static class AcceptedDomainTypeText
{
    public static string Label(AcceptedDomainType type) => type switch
    {
        AcceptedDomainType.Authoritative => "Authoritative",
        AcceptedDomainType.InternalRelay => "Internal relay",
        AcceptedDomainType.ExternalRelay => "External relay",
        _ => type.ToString(),
    };

    public static string Explanation(AcceptedDomainType type) => type switch
    {
        AcceptedDomainType.Authoritative => "Every recipient in this domain is on Mailflow; mail for unknown addresses is rejected.",
        AcceptedDomainType.InternalRelay => "Some recipients are on Mailflow; mail for the others is passed on to another server in your organization.",
        AcceptedDomainType.ExternalRelay => "No recipient is on Mailflow; all mail for this domain is passed on to a server outside your organization.",
        _ => "",
    };
}
