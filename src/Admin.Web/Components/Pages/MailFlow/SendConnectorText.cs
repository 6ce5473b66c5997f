using Mailflow.Configuration;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>Plain-language labels and explanations for send connector settings.</summary>
public static class SendConnectorText
{
    public static string Label(OutboundTlsPolicy policy) => policy switch
    {
        OutboundTlsPolicy.Opportunistic => "Opportunistic TLS",
        OutboundTlsPolicy.Required => "TLS required",
        OutboundTlsPolicy.RequiredWithCertificateValidation => "TLS required, certificate validated",
        _ => policy.ToString(),
    };

    public static string Explanation(OutboundTlsPolicy policy) => policy switch
    {
        OutboundTlsPolicy.Opportunistic => "Use STARTTLS when the next hop offers it, with any certificate; otherwise send in plain text (RFC 3207 §4).",
        OutboundTlsPolicy.Required => "STARTTLS must succeed (any certificate), or the message waits in the queue.",
        OutboundTlsPolicy.RequiredWithCertificateValidation => "STARTTLS must succeed with a trusted certificate whose name matches the domain below (or the next hop's name).",
        _ => "",
    };

    public static string Label(SendRoutingMethod method) => method switch
    {
        SendRoutingMethod.DnsMx => "DNS MX records",
        SendRoutingMethod.SmartHost => "Smart hosts",
        _ => method.ToString(),
    };
}
