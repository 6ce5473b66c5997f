using System.Net;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Server.Transport.Receive.Session;
using Mailflow.Smtp;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Pickup;

/// <summary>What became of one pickup message: stored (with its queue id) or refused by an agent (with the reply).</summary>
public sealed record PickupSubmission(string? QueueId, string? Refusal);

/// <summary>
/// Submits a pickup message as an authenticated local client would over SMTP: the transport agent
/// pipeline runs every event (connect, HELO, MAIL, each RCPT, end of data) with a session that is
/// authenticated as the pickup directory and may send as the message's sender, on the "Pickup"
/// receive policy (no listener; relay allowed as for authenticated users; the file size limit as its
/// message size); the message is committed through the same sink as an SMTP session's — RECEIVE
/// tracking with connector "Pickup", the categorizer woken — with the file's identity as a tag
/// (<see cref="MessageTagNames.PickupFile"/>), in the same store transaction as the message, so a
/// restart can tell a file that was stored from one that was not.
/// </summary>
public sealed class PickupSubmitter(IMessageSink sink, TransportAgentPipeline agents, IAgentDecisionLog decisions, IOptions<MailflowOptions> options, TimeProvider time)
{
    /// <summary>The receive connector name pickup messages carry in the trace ("source Pickup").</summary>
    public const string ConnectorName = "Pickup";
    public static readonly Guid ConnectorId = new("6f1c2d3e-4b5a-4c6d-8e7f-00000000b1c0");
    /// <summary>Who the pickup session is authenticated as.</summary>
    public const string UserName = "pickup directory";

    public async Task<PickupSubmission> SubmitAsync(TransportConfig snapshot, PickupMessage pickup, string fileToken, long maxSize, CancellationToken cancellationToken)
    {
        var policy = new ReceivePolicy
        {
            ConnectorId = ConnectorId,
            ConnectorName = ConnectorName,
            Fqdn = options.Value.ResolvedFqdn,
            NodeName = options.Value.ResolvedNodeName,
            PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
            // The file passed the size limit already; CRLF conversion may have grown it a little.
            MaxMessageSize = Math.Max(maxSize, pickup.Content.Length + 1024L),
            MaxRecipientsPerMessage = Math.Max(snapshot.Organization.MaxRecipientsPerMessage, pickup.Recipients.Count),
            MaxHopCount = snapshot.Organization.MaxHopCount,
            MaxLocalHopCount = snapshot.Organization.MaxLocalHopCount,
        };
        var session = new AgentSession
        {
            SessionId = $"pickup-{Guid.NewGuid():N}"[..20],
            Policy = policy,
            Snapshot = snapshot,
            ClientAddress = IPAddress.Loopback,
            LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ConnectedAt = time.GetUtcNow(),
            HeloName = options.Value.ResolvedFqdn,
            Extended = true,
            Identity = new SubmissionIdentity(UserName, [pickup.Sender], []),
        };
        if (await RefusedAsync(session, null, agents.ConnectAsync(session, cancellationToken)) is { } connect)
            return connect;
        if (await RefusedAsync(session, null, agents.HeloAsync(session, cancellationToken)) is { } helo)
            return helo;
        SmtpPathParser.TryParseMailbox(pickup.Sender, out var senderAddress);
        var parameters = new MailParameters
        {
            Body = pickup.EightBit ? BodyType.EightBitMime : BodyType.SevenBit,
            SmtpUtf8 = pickup.SmtpUtf8,
            Size = pickup.Content.Length,
        };
        var message = new AgentMessage { Sender = senderAddress, Parameters = parameters };
        if (await RefusedAsync(session, message, agents.MailFromAsync(session, message, cancellationToken)) is { } mail)
            return mail;
        var refusedRecipients = new List<string>();
        foreach (var recipient in pickup.Recipients)
        {
            SmtpPathParser.TryParseMailbox(recipient, out var address);
            var outcome = await agents.RcptToAsync(session, message, new AgentRecipient(address, RcptParameters.None), cancellationToken);
            message.Decisions.AddRange(outcome.Decisions);
            if (outcome.Refuses)
                refusedRecipients.Add($"{recipient}: {Reply(outcome)}");
            else
                message.Recipients.Add(new EnvelopeRecipient(address.Address));
        }
        if (message.Recipients.Count == 0)
        {
            decisions.Record(session, message, message.Decisions, null);
            return new PickupSubmission(null, "Every recipient was refused: " + string.Join("; ", refusedRecipients));
        }

        var now = time.GetUtcNow();
        var envelope = new MessageEnvelope(
            message.SenderAddress, [.. message.Recipients], parameters.Body, parameters.SmtpUtf8, DsnReturn.Unspecified, null,
            new ClientInfo(IPAddress.Loopback, 0, new IPEndPoint(IPAddress.Loopback, 0), options.Value.ResolvedFqdn, UserName, null, null),
            ConnectorId, ConnectorName, now, options.Value.ResolvedNodeName, MessageOrigin.Pickup);
        await using var transaction = await sink.BeginAsync(envelope, cancellationToken);
        var committed = false;
        try
        {
            await transaction.WriteAsync(ReceivedHeader.Build(options.Value.ResolvedFqdn, extended: true, IPAddress.Loopback, options.Value.ResolvedFqdn,
                tls: false, authenticated: true, parameters.SmtpUtf8, session.SessionId, [.. message.Recipients.Select(r => r.Address)], now), cancellationToken);
            await transaction.WriteAsync(pickup.Content, cancellationToken);
            var content = new AgentContent(transaction.Length, transaction.OpenReadAsync);
            var end = await agents.EndOfDataAsync(session, message, content, cancellationToken);
            message.Decisions.AddRange(end.Decisions);
            if (end.Refuses)
            {
                decisions.Record(session, message, message.Decisions, null);
                return new PickupSubmission(null, Reply(end));
            }
            if (end.Verdict.Kind == AgentVerdictKind.Discard)
            {
                var discarded = await transaction.DiscardAsync();
                committed = true;
                decisions.Record(session, message, message.Decisions, discarded);
                return new PickupSubmission(discarded, null);
            }
            if (end.Verdict.Kind == AgentVerdictKind.Quarantine)
                message.Tags.Set(AgentTagNames.QuarantineReason, end.Verdict.Detail ?? "held by a transport agent");
            // The file's identity goes into the store with the message: the proof a restart looks for.
            message.Tags.Set(MessageTagNames.PickupFile, fileToken);
            var queueId = await transaction.CommitAsync(message.ToAdditions(), cancellationToken);
            committed = true;
            decisions.Record(session, message, message.Decisions, queueId);
            return new PickupSubmission(queueId, refusedRecipients.Count == 0 ? null : "Some recipients were refused: " + string.Join("; ", refusedRecipients));
        }
        finally
        {
            if (!committed)
                await transaction.AbortAsync();
        }
    }

    private async Task<PickupSubmission?> RefusedAsync(AgentSession session, AgentMessage? message, ValueTask<AgentOutcome> pending)
    {
        var outcome = await pending;
        if (!outcome.Refuses)
        {
            message?.Decisions.AddRange(outcome.Decisions);
            return null;
        }
        decisions.Record(session, message, outcome.Decisions, null);
        return new PickupSubmission(null, Reply(outcome));
    }

    private static string Reply(AgentOutcome outcome) =>
        outcome.Verdict.Reply is { } reply ? $"{reply.Code} {reply.Enhanced} {reply.Text.Replace('\n', ' ')}" : outcome.Verdict.Detail ?? "refused by a transport agent";
}
