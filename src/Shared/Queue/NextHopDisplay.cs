using Mailflow.Configuration;

namespace Mailflow.Queue;

/// <summary>A next hop as people read it: <see cref="Name"/> (the send connector's name, or what the local target is) and <see cref="Detail"/> (where it goes).</summary>
/// <param name="Key">The key as stored (URLs and the API keep it).</param>
/// <param name="Kind">The kind, or null when the text is not a key this version reads.</param>
public sealed record NextHopName(string Key, NextHopKeyKind? Kind, string Name, string? Detail)
{
    /// <summary>One line: <c>Contoso relay — smart host relay.contoso.com:25</c>.</summary>
    public string Text => Detail is null ? Name : $"{Name} — {Detail}";
}

/// <summary>
/// Names next hops for every page and API answer that shows one, from a live configuration snapshot: the
/// send connector's current name with its smart hosts or the MX domain; "Local mailboxes (Maildir)"; the
/// LMTP or mailbox SMTP server. A connector deleted since the message was routed is said to be deleted.
/// </summary>
public static class NextHopDisplay
{
    public const string SubmissionName = "Submission";

    public static NextHopName Describe(string? keyText, TransportConfig config)
    {
        if (string.IsNullOrEmpty(keyText))
            return new NextHopName("", null, SubmissionName, "not routed yet");
        if (!NextHopKey.TryParse(keyText, out var key))
            return new NextHopName(keyText, null, keyText, "a next hop this version does not recognize");
        var tls = key.RequireTls ? " (TLS required by a rule)" : "";
        switch (key.Kind)
        {
            case NextHopKeyKind.Maildir:
                return new NextHopName(keyText, key.Kind, "Local mailboxes", "Maildir on this server");
            case NextHopKeyKind.Unreachable:
                return new NextHopName(keyText, key.Kind, "Unreachable", "no route: no send connector or mailbox target matches");
            case NextHopKeyKind.Lmtp:
                return new NextHopName(keyText, key.Kind, "LMTP " + (key.IsUnixSocket ? key.Host![5..] : key.Endpoint()), MailboxesOn(key, config, MailboxDeliveryKind.Lmtp));
            case NextHopKeyKind.MailboxSmtp:
                return new NextHopName(keyText, key.Kind, "Mailbox server " + key.Endpoint(), MailboxesOn(key, config, MailboxDeliveryKind.Smtp) + tls);
        }
        var connector = config.SendConnectors.FirstOrDefault(c => c.Id == key.ConnectorId);
        if (connector is null)
            return new NextHopName(keyText, key.Kind, "Deleted send connector", (key.Kind == NextHopKeyKind.Mx ? $"MX of {key.Domain}" : "smart host") + tls);
        var name = connector.Enabled ? connector.Name : connector.Name + " (turned off)";
        if (key.Kind == NextHopKeyKind.Mx)
            return new NextHopName(keyText, key.Kind, name, $"MX of {key.Domain}{tls}");
        var hosts = connector.SmartHosts.Where(h => !string.IsNullOrWhiteSpace(h)).ToList();
        var detail = hosts.Count switch
        {
            0 => "no smart host configured",
            1 => "smart host " + hosts[0].Trim(),
            _ => "smart hosts " + string.Join(", ", hosts.Select(h => h.Trim())),
        };
        return new NextHopName(keyText, key.Kind, name, detail + tls);
    }

    /// <summary>Which mailboxes deliver to this server: "for bob@contoso.com" or "for 3 mailboxes".</summary>
    private static string MailboxesOn(NextHopKey key, TransportConfig config, MailboxDeliveryKind kind)
    {
        var mailboxes = config.Recipients.Where(r => r.DeliveryKind == kind && Targets(r.DeliveryTarget, key)).Select(r => r.PrimaryAddress).ToList();
        return mailboxes.Count switch
        {
            0 => kind == MailboxDeliveryKind.Lmtp ? "LMTP delivery" : "SMTP delivery",
            1 => "for " + mailboxes[0],
            _ => $"for {mailboxes.Count} mailboxes",
        };
    }

    /// <summary>Whether a mailbox's delivery target is the key's server (the routing defaults: LMTP port 24, SMTP 25).</summary>
    private static bool Targets(string target, NextHopKey key)
    {
        target = target.Trim();
        if (key.IsUnixSocket)
            return string.Equals(target, key.Host, StringComparison.OrdinalIgnoreCase);
        return SmartHostRules.TryParse(target, out var host, out var port, out _)
            && string.Equals(host, key.Host, StringComparison.OrdinalIgnoreCase)
            && (port ?? (key.Kind == NextHopKeyKind.Lmtp ? 24 : 25)) == key.Port;
    }
}
