using System.Collections.Immutable;
using System.Net;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// What mail flow rules look at: the envelope facts and the parsed message. Built from a stored
/// message by the categorizer (<see cref="FromEnvelope"/>), or by hand by the admin center's
/// "Test mail flow" page. Decoded text and attachments are extracted once, on first use.
/// </summary>
public sealed class RuleMessageContext
{
    private readonly Lazy<MessageText> text;
    private readonly Lazy<ImmutableArray<MessageAttachment>> attachments;

    public RuleMessageContext(MimeMessage message)
    {
        Message = message;
        text = new Lazy<MessageText>(() => MessageText.Extract(message));
        attachments = new Lazy<ImmutableArray<MessageAttachment>>(() => MessageAttachment.List(message));
    }

    /// <summary>The envelope sender (reverse-path); empty for the null sender.</summary>
    public string EnvelopeSender { get; init; } = "";
    /// <summary>The envelope recipients' addresses (forward-paths).</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];
    public MimeMessage Message { get; }
    /// <summary>The message size as stored, in bytes.</summary>
    public long SizeBytes { get; init; }
    /// <summary>The SMTP client's address; null when unknown (a message written by hand in the tester).</summary>
    public IPAddress? ClientAddress { get; init; }
    /// <summary>The message arrived over an SMTP session that authenticated (RFC 4954 AUTH).</summary>
    public bool Authenticated { get; init; }
    /// <summary>Spam confidence level (-1 trusted … 9 certainly spam); null until a filter set one.</summary>
    public int? Scl { get; init; }
    /// <summary>The agents' message tags (<see cref="Mailflow.Queue.MessageTagNames"/>): authentication verdicts and the like.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>The sender authentication agent's verdicts (pass, fail, softfail…); null when it did not judge the message.</summary>
    public string? SpfResult => Tags.GetValueOrDefault(Mailflow.Queue.MessageTagNames.SpfResult);
    public string? DkimResult => Tags.GetValueOrDefault(Mailflow.Queue.MessageTagNames.DkimResult);
    public string? DmarcResult => Tags.GetValueOrDefault(Mailflow.Queue.MessageTagNames.DmarcResult);

    /// <summary>The From: header's addresses.</summary>
    public IEnumerable<string> HeaderSenders => Message.From.Mailboxes.Select(m => m.Address);

    internal MessageText Text => text.Value;
    internal ImmutableArray<MessageAttachment> Attachments => attachments.Value;

    /// <summary>Parses the stored content (headers and MIME structure; MimeKit streams the parts) and builds the context.</summary>
    public static async Task<RuleMessageContext> LoadAsync(MessageEnvelope envelope, Stream content, long sizeBytes, int? scl = null, CancellationToken cancellationToken = default) =>
        FromEnvelope(envelope, await MimeMessage.LoadAsync(content, cancellationToken), sizeBytes, scl);

    public static RuleMessageContext FromEnvelope(MessageEnvelope envelope, MimeMessage message, long sizeBytes, int? scl = null) => new(message)
    {
        EnvelopeSender = envelope.Sender,
        Recipients = [.. envelope.Recipients.Select(r => r.Address)],
        SizeBytes = sizeBytes,
        ClientAddress = envelope.Client.RemoteAddress,
        Authenticated = envelope.Client.AuthenticatedAs is not null,
        Scl = scl,
    };
}
