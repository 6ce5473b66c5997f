namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// The points in a message's life where transport agents run (Exchange's SMTP receive and
/// categorizer events; Postfix's restriction stages). SMTP events happen in the receive session
/// before the client gets its reply; <see cref="Categorized"/> and <see cref="Routed"/> happen in the
/// categorizer after the message is stored.
/// </summary>
[Flags]
public enum AgentEvents
{
    None = 0,
    /// <summary>A client connected, before the banner (client IP, receive connector).</summary>
    Connect = 1,
    /// <summary>HELO or EHLO.</summary>
    Helo = 2,
    /// <summary>An AUTH exchange ended (success or failure).</summary>
    Auth = 4,
    /// <summary>MAIL FROM.</summary>
    MailFrom = 8,
    /// <summary>RCPT TO, once per recipient.</summary>
    RcptTo = 16,
    /// <summary>The whole message arrived (headers, body, size), before the 250.</summary>
    EndOfData = 32,
    /// <summary>After the store: recipients resolved (aliases, groups, contacts).</summary>
    Categorized = 64,
    /// <summary>After the store: each recipient's next hop chosen.</summary>
    Routed = 128,

    Smtp = Connect | Helo | Auth | MailFrom | RcptTo | EndOfData,
}
