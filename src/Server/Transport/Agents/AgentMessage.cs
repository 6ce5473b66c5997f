using System.Text;
using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// One SMTP transaction as agents see it: the envelope so far, the tags and headers agents add, and
/// the decisions they made (for the trace). Created at MAIL FROM, dropped at RSET or after the reply
/// to the end of data.
/// </summary>
public sealed class AgentMessage
{
    private readonly List<KeyValuePair<string, string>> _addedHeaders = [];
    private readonly List<ReceivedHeaderField> _removedHeaders = [];

    /// <summary>The reverse-path; null for the null sender <c>&lt;&gt;</c>.</summary>
    public required SmtpAddress? Sender { get; init; }
    public required MailParameters Parameters { get; init; }
    /// <summary>Recipients accepted so far (RCPT TO that got 250).</summary>
    public List<EnvelopeRecipient> Recipients { get; } = [];
    public AgentTags Tags { get; } = new();

    /// <summary>Decisions about this message made before it was stored (MAIL, RCPT, end of data), recorded with its queue id once it has one.</summary>
    public List<AgentDecision> Decisions { get; } = [];

    /// <summary>The envelope sender as text; empty for the null sender.</summary>
    public string SenderAddress => Sender?.Address ?? "";

    /// <summary>Headers agents add, in order; written above the message's own header section when it is stored.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AddedHeaders => _addedHeaders;

    /// <summary>Adds a header field to the stored message (e.g. Authentication-Results, X-Spam-Status).</summary>
    /// <exception cref="ArgumentException">The name is not a header field name, or the value carries a bare CR or LF.</exception>
    public void AddHeader(string name, string value)
    {
        if (name.Length == 0 || name.Any(c => c <= ' ' || c == ':' || c > '~'))
            throw new ArgumentException($"'{name}' is not a header field name (RFC 5322 §3.6.8).", nameof(name));
        // Folded continuation lines are allowed ("\r\n\t…"); a lone CR or LF is not.
        if (value.Replace("\r\n ", "").Replace("\r\n\t", "").AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException("A header value may only contain folded line breaks (CRLF followed by a space or tab).", nameof(value));
        _addedHeaders.Add(new(name, value));
    }

    /// <summary>Received header fields agents asked to leave out of the stored message, in content order.</summary>
    public IReadOnlyList<ReceivedHeaderField> RemovedHeaders => _removedHeaders;

    /// <summary>
    /// Leaves a header field of the received content out of the stored message (e.g. an
    /// Authentication-Results header from outside that claims our authserv-id, RFC 8601 §5).
    /// </summary>
    public void RemoveReceivedHeader(ReceivedHeaderField field)
    {
        if (_removedHeaders.Any(r => r.Offset == field.Offset))
            return;
        _removedHeaders.Add(field);
        _removedHeaders.Sort((a, b) => a.Offset.CompareTo(b.Offset));
    }

    /// <summary>What the agents add to and remove from the message when it is committed.</summary>
    public MessageAdditions ToAdditions() =>
        new(RenderAddedHeaders(), Tags, [.. _removedHeaders.Select(f => new ContentRange(f.Offset, f.Length))]);

    /// <summary>The added headers as the octets stored above the message (CRLF line ends).</summary>
    public byte[] RenderAddedHeaders()
    {
        if (_addedHeaders.Count == 0)
            return [];
        var builder = new StringBuilder();
        foreach (var (name, value) in _addedHeaders)
            builder.Append(name).Append(": ").Append(value).Append("\r\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}

/// <summary>The recipient of the RCPT TO being decided.</summary>
public sealed record AgentRecipient(SmtpAddress Address, RcptParameters Parameters);

/// <summary>The outcome of one AUTH exchange.</summary>
/// <param name="UserName">What the client claimed (may be unknown to us).</param>
public sealed record AgentAuthAttempt(string Mechanism, string? UserName, bool Succeeded);
