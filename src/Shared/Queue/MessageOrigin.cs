namespace Mailflow.Queue;

/// <summary>Where a queued message came from; decides, for example, that our own DSNs skip mail flow rules.</summary>
public enum MessageOrigin
{
    /// <summary>Received over SMTP on a receive connector.</summary>
    Smtp,
    /// <summary>A delivery status notification (DSN/NDR) Mailflow generated.</summary>
    Notification,
    /// <summary>A file dropped into the pickup directory, submitted as by an authenticated local client.</summary>
    Pickup,
}
