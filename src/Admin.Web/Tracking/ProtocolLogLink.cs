using System.Net;
using Mailflow.Tracking;

namespace Mailflow.Admin.Web.Tracking;

/// <summary>
/// From an SMTP event in the message trace to its session in the protocol log: the receive connector, the client's
/// address and the event's time (the protocol log page opens the session that was under way then).
/// </summary>
public static class ProtocolLogLink
{
    public static string? For(MessageTrackingEvent e)
    {
        if (e.Kind != MessageTrackingEventKind.Receive || e.RemoteHost is null || !IPAddress.TryParse(e.RemoteHost, out _) || e.Connector is null)
            return null;
        return $"/protocol-logs?client={Uri.EscapeDataString(e.RemoteHost)}&connector={Uri.EscapeDataString(e.Connector)}&at={Uri.EscapeDataString(IsoTime.Utc(e.Time))}";
    }
}
