using System.Net.Sockets;
using Mailflow.Queue;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Deliver.Local;

/// <summary>
/// Local delivery over LMTP (RFC 2033) to a mailbox server such as Dovecot: one transaction per
/// batch, and after DATA the server answers for each accepted recipient separately (one mailbox
/// over quota does not fail the others). Reply classes decide as for SMTP: 2xx delivered, 4xx
/// deferred, 5xx failed; a connection failure defers every recipient still open. The hosts of the
/// target are tried in order until one greets us.
/// </summary>
public sealed class LmtpDeliveryAgent(ILogger<LmtpDeliveryAgent> logger) : IDeliveryAgent
{
    public DeliveryTargetKind Kind => DeliveryTargetKind.Lmtp;

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        var failure = DeliveryReplies.ConnectionFailed("the next hop has no hosts");
        string? lastHost = null;
        foreach (var host in batch.Target.Hosts)
        {
            lastHost = host.ToString();
            var outcomes = new Dictionary<QueuedRecipient, RecipientOutcome>();
            try
            {
                await using var session = await LmtpSession.ConnectAsync(host, batch.Target.Smtp.CommandTimeout, cancellationToken);
                var hello = await session.HandshakeAsync(batch.Target.Smtp.HeloName, cancellationToken);
                if (hello.Code != 250)
                {
                    failure = DeliveryReplies.ConnectionFailed($"{host} refused the session: {hello.Code} {hello.Text}");
                    continue;
                }
                return await TransactAsync(session, batch, host.ToString(), outcomes, cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                DeliverLog.LmtpFailed(logger, batch.Message.QueueId, host.ToString(), exception);
                if (outcomes.Count > 0)
                {
                    // The transaction was under way: keep the replies we got, defer the rest.
                    var lost = DeliveryReplies.ConnectionLost($"{host}: {exception.Message}");
                    return batch.Recipients.Select(r => outcomes.TryGetValue(r, out var o) && !IsPendingAccept(o)
                        ? o
                        : new RecipientOutcome(r, RecipientOutcomeKind.Transient, lost, host.ToString(), ConnectionFailure: true)).ToList();
                }
                failure = DeliveryReplies.ConnectionFailed($"{host}: {exception.Message}");
            }
        }
        return batch.Recipients.Select(r => new RecipientOutcome(r, RecipientOutcomeKind.Transient, failure, lastHost, ConnectionFailure: true)).ToList();
    }

    private static readonly DeliveryReply PendingAccept = new(250, "2.1.5", "accepted at RCPT");

    private static bool IsPendingAccept(RecipientOutcome outcome) => ReferenceEquals(outcome.Reply, PendingAccept);

    private static async Task<IReadOnlyList<RecipientOutcome>> TransactAsync(
        LmtpSession session, DeliveryBatch batch, string host, Dictionary<QueuedRecipient, RecipientOutcome> outcomes, CancellationToken cancellationToken)
    {
        var message = batch.Message;
        var parameters = "";
        if (message.BodyType != BodyType.SevenBit && session.Extensions.Contains("8BITMIME"))
            parameters += " BODY=8BITMIME";
        if (message.SmtpUtf8 && session.Extensions.Contains("SMTPUTF8"))
            parameters += " SMTPUTF8";
        var mail = await session.CommandAsync($"MAIL FROM:<{message.Sender}>{parameters}", cancellationToken);
        if (mail.Code != 250)
            return All(batch, mail.ToDeliveryReply(), host);

        var accepted = new List<QueuedRecipient>();
        foreach (var recipient in batch.Recipients)
        {
            var rcpt = await session.CommandAsync($"RCPT TO:<{recipient.Address}>", cancellationToken);
            if (rcpt.Code is >= 200 and < 300)
            {
                accepted.Add(recipient);
                outcomes[recipient] = new RecipientOutcome(recipient, RecipientOutcomeKind.Transient, PendingAccept, host);
            }
            else
            {
                outcomes[recipient] = Outcome(recipient, rcpt.ToDeliveryReply(), host);
            }
        }
        if (accepted.Count > 0)
        {
            var data = await session.CommandAsync("DATA", cancellationToken);
            if (data.Code != 354)
            {
                foreach (var recipient in accepted)
                    outcomes[recipient] = Outcome(recipient, data.ToDeliveryReply(), host);
            }
            else
            {
                await using (var content = await batch.OpenContent(cancellationToken))
                {
                    if (content is null)
                        throw new IOException("The stored message content is missing.");
                    await session.SendDataAsync(content, cancellationToken);
                }
                // RFC 2033 §4.2: one reply per recipient accepted at RCPT, in the same order.
                foreach (var recipient in accepted)
                    outcomes[recipient] = Outcome(recipient, (await session.ReadReplyAsync(cancellationToken)).ToDeliveryReply(), host);
            }
        }
        try
        {
            await session.CommandAsync("QUIT", cancellationToken);
        }
        catch (IOException)
        {
            // The outcomes are decided; QUIT is a courtesy.
        }
        return batch.Recipients.Select(r => outcomes[r]).ToList();
    }

    private static RecipientOutcome Outcome(QueuedRecipient recipient, DeliveryReply reply, string host) => new(
        recipient,
        reply.IsSuccess ? RecipientOutcomeKind.Delivered : reply.IsPermanent ? RecipientOutcomeKind.Permanent : RecipientOutcomeKind.Transient,
        reply,
        host);

    private static IReadOnlyList<RecipientOutcome> All(DeliveryBatch batch, DeliveryReply reply, string host) =>
        batch.Recipients.Select(r => Outcome(r, reply, host)).ToList();
}
