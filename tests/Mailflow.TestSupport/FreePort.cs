using System.Net;
using System.Net.Sockets;

namespace Mailflow.TestSupport;

/// <summary>Loopback ports chosen at run time, never hard-coded, so parallel runs never collide.</summary>
public static class FreePort
{
    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it for a port-0 bind, and
    /// the listener is closed before returning. Prefer binding to port 0 directly where the code under
    /// test allows it; use this only when a port must be named before the server starts.
    /// </summary>
    public static int Get()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
