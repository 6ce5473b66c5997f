using System.Diagnostics.Metrics;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Notify;

/// <summary>The notifier's instruments (see <see cref="MailflowMeter"/>).</summary>
public static class NotifyMetrics
{
    public static readonly Counter<long> Notifications = MailflowMeter.Meter.CreateCounter<long>(
        "mailflow.dsn.sent", "{message}", "Delivery status notifications queued, by kind (Failure = NDR, Delay, Success).");

    public static void Sent(DsnKind kind) =>
        Notifications.Add(1, new KeyValuePair<string, object?>("kind", Enum.GetName(kind)));
}
