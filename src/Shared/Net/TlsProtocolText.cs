namespace Mailflow.Net;

/// <summary>.NET's SslProtocols names ("Tls13") as people write them ("TLS 1.3"), for the trace and the admin center.</summary>
public static class TlsProtocolText
{
    public static string Describe(string? protocol) => protocol switch
    {
        null or "" => "",
        "Tls13" => "TLS 1.3",
        "Tls12" => "TLS 1.2",
        "Tls11" => "TLS 1.1",
        "Tls" => "TLS 1.0",
        "Ssl3" => "SSL 3.0",
        _ => protocol,
    };
}
