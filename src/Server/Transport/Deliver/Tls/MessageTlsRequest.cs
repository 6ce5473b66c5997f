using MimeKit;

namespace Mailflow.Server.Transport.Deliver.Tls;

/// <summary>What the sender asked of the transport security of its own message (RFC 8689).</summary>
public enum MessageTlsRequest
{
    /// <summary>Nothing: the send connector and the recipient domain's policies (MTA-STS, DANE) decide.</summary>
    Default,
    /// <summary>REQUIRETLS (§4.2.1): only verified TLS to a next hop that advertises REQUIRETLS, else returned with 5.7.30.</summary>
    RequireTls,
    /// <summary><c>TLS-Required: No</c> (§4.2.2): the recipient domain's MTA-STS and DANE policies are not applied; the connector's own TLS policy still is.</summary>
    IgnoreRecipientPolicy,
}

/// <summary>Reads a message's <see cref="MessageTlsRequest"/>: one definition for delivery, "Test mail flow" and the trace.</summary>
public static class MessageTlsRequests
{
    /// <summary>RFC 8689 §3.</summary>
    public const string HeaderName = "TLS-Required";

    /// <param name="requireTls">The stored REQUIRETLS flag (<see cref="Mailflow.Queue.QueuedMessage.RequireTls"/>).</param>
    public static MessageTlsRequest Of(bool requireTls, HeaderList headers)
    {
        // §4.1: with the REQUIRETLS parameter the TLS-Required header field is ignored (it may travel on).
        if (requireTls)
            return MessageTlsRequest.RequireTls;
        return headers[HeaderName] is { } value && value.Trim().Equals("No", StringComparison.OrdinalIgnoreCase)
            ? MessageTlsRequest.IgnoreRecipientPolicy
            : MessageTlsRequest.Default;
    }

    /// <summary>One sentence for the trace and "Test mail flow"; null for <see cref="MessageTlsRequest.Default"/>.</summary>
    public static string? Describe(MessageTlsRequest request) => request switch
    {
        MessageTlsRequest.RequireTls => "REQUIRETLS (RFC 8689): delivered only over verified TLS (DANE, MTA-STS or a certificate that chains to a trusted root and names the host) to a server that advertises REQUIRETLS; otherwise returned to the sender with 5.7.30",
        MessageTlsRequest.IgnoreRecipientPolicy => "TLS-Required: No (RFC 8689 §5): the recipient domain's MTA-STS and DANE policies are not applied; the send connector's own TLS policy still is",
        _ => null,
    };
}
