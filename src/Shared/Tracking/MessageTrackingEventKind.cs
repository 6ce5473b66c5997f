namespace Mailflow.Tracking;

/// <summary>
/// One step in a message's life (Exchange message tracking's event ids; Stalwart's trace events).
/// Stored by name, so new kinds never renumber old rows.
/// </summary>
public enum MessageTrackingEventKind
{
    /// <summary>A receive session committed the message (the client got 250).</summary>
    Receive,
    /// <summary>The message entered the categorizer (also: a DSN this node generated was enqueued).</summary>
    Submit,
    /// <summary>A recipient was resolved (alias, mailbox, contact).</summary>
    Resolve,
    /// <summary>A distribution group was expanded to its members.</summary>
    Expand,
    /// <summary>A rule or a forward replaced a recipient.</summary>
    Redirect,
    /// <summary>A mail flow rule acted on the message (the detail names the rule and the action).</summary>
    Agent,
    /// <summary>A recipient was assigned a next hop.</summary>
    Route,
    /// <summary>A remote SMTP server accepted the recipient (2xx).</summary>
    Send,
    /// <summary>Delivered locally (Maildir, LMTP).</summary>
    Deliver,
    /// <summary>A temporary failure: the recipient is retried later.</summary>
    Defer,
    /// <summary>A permanent failure: the recipient is given up (an NDR follows unless NOTIFY=NEVER).</summary>
    Fail,
    /// <summary>A delivery status notification (NDR, delay, success) was generated.</summary>
    Dsn,
    /// <summary>The message could not be processed at all and was set aside.</summary>
    Poison,
    /// <summary>The message outlived MessageExpirationTimeout; remaining recipients failed with 4.4.7.</summary>
    Expire,
    /// <summary>An administrator suspended the message or its queue.</summary>
    Suspend,
    /// <summary>An administrator resumed the message or its queue (or asked for a retry now).</summary>
    Resume,
    /// <summary>An administrator removed the message from the queue.</summary>
    Remove,
    /// <summary>A rule held the message in quarantine.</summary>
    Quarantine,
    /// <summary>An administrator released the message from quarantine.</summary>
    Release,
}
