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

    public static string Label(MtaStsOutboundMode mode) => mode switch
    {
        MtaStsOutboundMode.Off => "MTA-STS off",
        MtaStsOutboundMode.Testing => "MTA-STS report only",
        MtaStsOutboundMode.Enforce => "MTA-STS enforced",
        _ => mode.ToString(),
    };

    public static string Explanation(MtaStsOutboundMode mode, SendRoutingMethod routing) => routing == SendRoutingMethod.SmartHost
        ? "Smart hosts are not MX hosts: MTA-STS (RFC 8461) applies only to connectors that look up MX records."
        : mode switch
        {
            MtaStsOutboundMode.Off => "Recipient domains' MTA-STS policies are not looked up.",
            MtaStsOutboundMode.Testing => "Policies are fetched and checked; a host or certificate the policy would refuse is logged and shown in the message trace, but mail is still delivered.",
            MtaStsOutboundMode.Enforce => "A domain's \"enforce\" policy is honoured: only the MX hosts it names, over TLS with a trusted certificate for the MX name; otherwise the message waits (4.7.5).",
            _ => "",
        };

    public static string DaneExplanation(SendRoutingMethod routing) => routing == SendRoutingMethod.SmartHost
        ? "DANE (RFC 7672) applies only to connectors that look up MX records."
        : "When the DNS servers vouch for an MX host's TLSA records (DNSSEC, the AD bit), mail goes to it only over STARTTLS with a certificate those records match; otherwise it waits (4.7.5). Turn on only with validating resolvers in Mailflow:Dns:Servers.";

    public static string Label(SendRoutingMethod method) => method switch
    {
        SendRoutingMethod.DnsMx => "DNS MX records",
        SendRoutingMethod.SmartHost => "Smart hosts",
        _ => method.ToString(),
    };
}
