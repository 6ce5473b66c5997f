namespace Mailflow.Configuration;

/// <summary>A clamd socket as admins write it: <c>unix:/path/to/clamd.ctl</c> or <c>tcp:host:port</c>.</summary>
public sealed record ClamdAddress(string? UnixPath, string? Host, int Port)
{
    public bool IsUnix => UnixPath is not null;

    public static bool TryParse(string? text, out ClamdAddress address, out string? error)
    {
        address = null!;
        error = "Write unix:/run/clamav/clamd.ctl or tcp:127.0.0.1:3310.";
        var t = (text ?? "").Trim();
        if (t.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            var path = t[5..];
            if (!path.StartsWith('/') || path.Length > 107)
                return false;
            address = new ClamdAddress(path, null, 0);
        }
        else if (t.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = t[4..];
            var colon = rest.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(rest[(colon + 1)..], out var port) || port is < 1 or > 65535)
                return false;
            var host = rest[..colon].Trim('[', ']');
            if (host.Length == 0 || (Uri.CheckHostName(host) == UriHostNameType.Unknown))
                return false;
            address = new ClamdAddress(null, host, port);
        }
        else
            return false;
        error = null;
        return true;
    }

    public override string ToString() => IsUnix ? $"unix:{UnixPath}" : $"tcp:{Host}:{Port}";
}
