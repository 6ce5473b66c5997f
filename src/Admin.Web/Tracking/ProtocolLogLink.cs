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
        return Link(e.RemoteHost, e.Connector, e.Time, e.SessionId);
    }

    /// <summary>A refusal's session: the protocol log page opens exactly that session when the log has it.</summary>
    public static string? For(TracedRefusal r) =>
        r.ClientAddress is { } client && IPAddress.TryParse(client, out _) && r.Connector is { } connector ? Link(client, connector, r.Time, r.SessionId) : null;

    private static string Link(string client, string connector, DateTimeOffset at, string? sessionId) =>
        $"/protocol-logs?client={Uri.EscapeDataString(client)}&connector={Uri.EscapeDataString(connector)}&at={Uri.EscapeDataString(IsoTime.Utc(at))}"
        + (sessionId is null ? "" : "&session=" + Uri.EscapeDataString(sessionId));
}
