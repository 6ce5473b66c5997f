using System.Net;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;
using Mailflow.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Transport.Notify;

/// <summary>
/// Puts a message Mailflow wrote itself (a rule's notice or incident report, a journal report) into
/// the queue the way DSNs go: through the <see cref="StoreMessageSink"/>, state Submitted, so it is
/// routed like any other message, marked <see cref="MessageOrigin.Notification"/> so mail flow rules
/// do not run on it again, and named by its receive connector name in the trace.
/// </summary>
public sealed class GeneratedMessageSubmitter(StoreMessageSink sink, TransportConfigProvider config, IOptions<MailflowOptions> options, TimeProvider time)
{
    /// <summary>The receive connector name rule-generated messages carry.</summary>
    public const string RuleConnectorName = "Mailflow rule notifications";
    public static readonly Guid RuleConnectorId = new("5b7c1e1a-7a57-4d0e-9c11-00000000a11e");

    /// <summary>The postmaster address generated messages come from (From:), in the default domain.</summary>
    public string PostmasterAddress => $"postmaster@{config.Current.DefaultDomain?.DomainName ?? options.Value.DefaultDomain}";

    /// <summary>Commits <paramref name="message"/> from <paramref name="sender"/> ("" = the null sender) to <paramref name="recipients"/>; returns its queue id.</summary>
    public async Task<string> SubmitAsync(MimeMessage message, string sender, IReadOnlyList<string> recipients, string connectorName, Guid connectorId, CancellationToken cancellationToken)
    {
        message.Prepare(EncodingConstraint.EightBit);
        var envelope = new MessageEnvelope(
            Sender: sender,
            Recipients: [.. recipients.Select(r => new EnvelopeRecipient(r))],
            BodyType: BodyType.EightBitMime,
            SmtpUtf8: false,
            DsnReturn: DsnReturn.Unspecified,
            DsnEnvelopeId: null,
            Client: new ClientInfo(IPAddress.Loopback, 0, new IPEndPoint(IPAddress.Loopback, 0), options.Value.ResolvedFqdn, null, null, null),
            ReceiveConnectorId: connectorId,
            ReceiveConnectorName: connectorName,
            ReceivedAt: time.GetUtcNow(),
            NodeName: options.Value.ResolvedNodeName,
            Origin: MessageOrigin.Notification);
        using var buffer = new MemoryStream();
        await message.WriteToAsync(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, buffer, cancellationToken);
        await using var transaction = await sink.BeginAsync(envelope, cancellationToken);
        await transaction.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        return await transaction.CommitAsync(cancellationToken);
    }
}
