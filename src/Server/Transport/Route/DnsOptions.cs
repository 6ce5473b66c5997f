using System.Net;

namespace Mailflow.Server.Transport.Route;

/// <summary><c>Mailflow:Dns</c>: the DNS servers MX routing asks.</summary>
public sealed class DnsOptions
{
    public const string Section = "Mailflow:Dns";
    /// <summary>RFC 1035 §4.2: DNS listens on port 53.</summary>
    public const int DefaultPort = 53;

    /// <summary><c>ip</c> or <c>ip:port</c> (<c>[v6]:port</c>), asked in order. Empty = the system's resolvers.</summary>
    public List<string> Servers { get; set; } = [];
    /// <summary>Time to wait for one answer. DnsClient's default: 5 seconds.</summary>
    public int TimeoutMilliseconds { get; set; } = 5000;
    /// <summary>Retries per server on network errors before trying the next (DnsClient default: 2, so three tries).</summary>
    public int Retries { get; set; } = 2;

    /// <exception cref="FormatException">A server entry is not an IP address with an optional port.</exception>
    public IReadOnlyList<IPEndPoint> ParseServers()
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var entry in Servers.Select(s => s.Trim()).Where(s => s.Length > 0))
        {
            var text = entry;
            // "[v6]:port" and "v4:port" carry a port; a bare IPv4 or IPv6 address ("[v6]" too) does not.
            if (text.StartsWith('[') && text.EndsWith(']'))
                text = text[1..^1];
            var withPort = text.StartsWith('[') || text.Count(c => c == ':') == 1;
            if (!withPort && IPAddress.TryParse(text, out var bare))
            {
                endpoints.Add(new IPEndPoint(bare, DefaultPort));
                continue;
            }
            if (!withPort || !IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
                throw new FormatException($"{Section}:Servers: '{entry}' is not a DNS server; write an IP address, optionally with :port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53).");
            endpoints.Add(endpoint);
        }
        return endpoints;
    }
}
