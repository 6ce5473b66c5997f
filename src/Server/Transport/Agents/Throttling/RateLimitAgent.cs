using Mailflow.Configuration;
using Mailflow.Net;
using Mailflow.Security;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.Throttling;

/// <summary>
/// Rate limits on the wire (Postfix's anvil, Exchange's throttling policies and outbound spam policy):
/// connections and messages per client address (IPv6 per /64), messages and recipients per
/// authenticated sender per minute, hour and day. Over a limit the client gets 421 4.7.0 (connections:
/// the connection closes) or 451 4.7.1 and tries again later; with "block the user when the limit is
/// reached" a sender that reaches one is stored as blocked and refused with 550 5.7.1 on every node
/// until an admin unblocks it. Runs before the allow list, so trusted clients are counted too.
/// "Test mail flow" checks the counters without counting.
/// </summary>
public sealed class RateLimitAgent(RateLimitCounters counters, SenderBlocks blocks) : ITransportAgent
{
    public const string AgentName = "RateLimit";

    public string Name => AgentName;
    public string DisplayName => "Rate limits";
    public string Description => "Limits connections and messages per client address and messages and recipients per authenticated sender; can block a sender that reaches a limit.";
    public AgentEvents Events => AgentEvents.Connect | AgentEvents.MailFrom | AgentEvents.RcptTo;
    public int DefaultPriority => 190;

    private static readonly RateLimitKind[] SenderMessageLimits = [RateLimitKind.SenderMessagesPerMinute, RateLimitKind.SenderMessagesPerHour, RateLimitKind.SenderMessagesPerDay];
    private static readonly RateLimitKind[] SenderRecipientLimits = [RateLimitKind.SenderRecipientsPerMinute, RateLimitKind.SenderRecipientsPerHour, RateLimitKind.SenderRecipientsPerDay];

    public ValueTask<AgentVerdict> OnConnectAsync(AgentSession session, CancellationToken cancellationToken)
    {
        var address = ClientAddressKey.For(session.ClientAddress);
        return new(Admit(session, [(RateLimitKind.ConnectionsPerIp, address)]) is { } reached
            ? AgentVerdict.Disconnect(SmtpReplies.TooManyConnectionsFromAddress, Explain(reached, address))
            : AgentVerdict.Continue);
    }

    public async ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken)
    {
        var address = ClientAddressKey.For(session.ClientAddress);
        if (session.Identity is not { } identity)
            return Admit(session, [(RateLimitKind.MessagesPerIp, address)]) is { } reached
                ? AgentVerdict.TempFail(SmtpReplies.RateLimited("messages from your address", reached.Definition.WindowName), Explain(reached, address))
                : AgentVerdict.Continue;

        var sender = BlockedSender.Normalize(identity.UserName);
        if (blocks.Find(session, sender) is { } reason)
            return AgentVerdict.Reject(SmtpReplies.SenderBlocked, $"{sender} is blocked from sending ({reason}); an admin unblocks it under Protection › Rate limits");
        var limits = SenderMessageLimits.Select(kind => (kind, sender)).Append((RateLimitKind.MessagesPerIp, address));
        return Admit(session, limits) is { } over
            ? await RefuseAsync(session, over, over.Kind == RateLimitKind.MessagesPerIp ? address : sender, "messages", cancellationToken)
            : AgentVerdict.Continue;
    }

    public async ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken)
    {
        if (session.Identity is not { } identity)
            return AgentVerdict.Continue;
        var sender = BlockedSender.Normalize(identity.UserName);
        return Admit(session, SenderRecipientLimits.Select(kind => (kind, sender))) is { } over
            ? await RefuseAsync(session, over, sender, "recipients", cancellationToken)
            : AgentVerdict.Continue;
    }

    private sealed record Reached(RateLimitDefinition Definition, int Limit)
    {
        public RateLimitKind Kind => Definition.Kind;
    }

    /// <summary>
    /// Counts one event under every configured limit when all have room (so a refused event uses up
    /// no other limit); else names the first limit that is full. "Test mail flow" only looks.
    /// </summary>
    private Reached? Admit(AgentSession session, IEnumerable<(RateLimitKind Kind, string Key)> events)
    {
        var settings = session.Snapshot.Protection.RateLimits ?? new RateLimitSettings();
        var configured = events
            .Select(e => (e.Key, Definition: RateLimitDefinition.Of(e.Kind), Limit: RateLimitDefinition.Of(e.Kind).Limit(settings)))
            .Where(e => e.Limit is not null)
            .Select(e => (e.Key, e.Definition, Limit: e.Limit!.Value))
            .ToList();
        foreach (var (key, definition, limit) in configured)
            if (!counters.HasRoom(definition.Kind, limit, key))
                return Throttled(session, new Reached(definition, limit));
        if (session.IsWhatIf)
            return null;
        foreach (var (key, definition, limit) in configured)
            if (!counters.TryTake(definition.Kind, limit, key))
                return Throttled(session, new Reached(definition, limit)); // another session took the last one meanwhile
        return null;
    }

    private static Reached Throttled(AgentSession session, Reached reached)
    {
        if (!session.IsWhatIf)
            Receive.ReceiveMetrics.ClientThrottled(Enum.GetName(reached.Kind)!);
        return reached;
    }

    private async Task<AgentVerdict> RefuseAsync(AgentSession session, Reached reached, string key, string what, CancellationToken cancellationToken)
    {
        var window = reached.Definition.WindowName;
        var detail = Explain(reached, key);
        if (reached.Kind == RateLimitKind.MessagesPerIp)
            return AgentVerdict.TempFail(SmtpReplies.RateLimited("messages from your address", window), detail);
        var settings = session.Snapshot.Protection.RateLimits ?? new RateLimitSettings();
        if (!settings.BlockSenderWhenLimitReached || session.IsWhatIf)
            return AgentVerdict.TempFail(SmtpReplies.RateLimited(what, window), detail);
        await blocks.BlockAsync(key, $"{reached.Definition.DisplayName}: {reached.Limit}", cancellationToken);
        return AgentVerdict.TempFail(SmtpReplies.RateLimitedAndBlocked(what, window), detail + "; the sender is now blocked until an admin unblocks it");
    }

    private static string Explain(Reached reached, string key) =>
        $"{reached.Definition.DisplayName} reached for {key} (limit {reached.Limit})";
}
