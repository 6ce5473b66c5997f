using System.Globalization;
using System.Net;

namespace Mailflow.Configuration;

/// <summary>Smart host entries: <c>host</c>, <c>host:port</c>, <c>[ipv6]:port</c> or an IP address.</summary>
public static class SmartHostRules
{
    public static bool TryParse(string? text, out string host, out int? port, out string? error)
    {
        var t = (text ?? "").Trim();
        host = "";
        port = null;
        error = null;
        var hostPart = t;
        if (t.StartsWith('['))
        {
            var close = t.IndexOf(']');
            if (close < 0)
                return Fail(t, out error);
            hostPart = t[1..close];
            var rest = t[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryPort(rest[1..], out port)))
                return Fail(t, out error);
            if (!IPAddress.TryParse(hostPart, out _))
                return Fail(t, out error);
            host = hostPart;
            return true;
        }
        var colon = t.LastIndexOf(':');
        if (colon > 0 && t.IndexOf(':') == colon)
        {
            hostPart = t[..colon];
            if (!TryPort(t[(colon + 1)..], out port))
                return Fail(t, out error);
        }
        if (IPAddress.TryParse(hostPart, out _) || DomainNameRules.TryNormalize(hostPart, out hostPart, out _) || hostPart == "localhost")
        {
            host = hostPart;
            return true;
        }
        return Fail(t, out error);
    }

    private static bool TryPort(string text, out int? port)
    {
        port = null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            return false;
        port = p;
        return true;
    }

    private static bool Fail(string text, out string? error)
    {
        error = $"'{text}' is not a smart host: write a host name or IP address, optionally with :port (mail.contoso.com:587, [2001:db8::1]:25).";
        return false;
    }
}
