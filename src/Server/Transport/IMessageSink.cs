namespace Mailflow.Server.Transport;

/// <summary>
/// Where the receive session hands a message (maddy's DeliveryTarget shape). The session begins a
/// transaction when DATA/BDAT starts, writes the content as it arrives, and answers 250 only after
/// <see cref="IMessageTransaction.CommitAsync"/> returned: commit means durable.
/// </summary>
public interface IMessageSink
{
    ValueTask<IMessageTransaction> BeginAsync(MessageEnvelope envelope, CancellationToken cancellationToken);
}

/// <summary>
/// One message being stored. Implementations must not hold a store write lock while the session
/// waits on the network between writes. Disposing an uncommitted transaction aborts it.
/// </summary>
public interface IMessageTransaction : IAsyncDisposable
{
    /// <summary>Appends message bytes: CRLF line ends, dot-unstuffed, in order (the session's Received: header first).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Octets written so far.</summary>
    long Length { get; }

    /// <summary>A fresh read stream over everything written so far (for end-of-data agents); disposing it leaves the transaction intact.</summary>
    ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes the message durable (envelope + content in one store transaction) and returns its queue id.
    /// <paramref name="additions"/> are the agents' headers (stored above the content) and tags.
    /// </summary>
    /// <exception cref="Exception">Any failure: the session answers 451 4.3.0 and the client retries.</exception>
    ValueTask<string> CommitAsync(MessageAdditions additions, CancellationToken cancellationToken);

    /// <inheritdoc cref="CommitAsync(MessageAdditions, CancellationToken)"/>
    ValueTask<string> CommitAsync(CancellationToken cancellationToken) => CommitAsync(MessageAdditions.None, cancellationToken);

    /// <summary>
    /// Drops the message as if it had been accepted (an agent's "delete silently"): nothing is stored,
    /// and the returned id is what the client is told in its 250.
    /// </summary>
    ValueTask<string> DiscardAsync();

    /// <summary>Discards everything written (size exceeded, client gone, policy rejected).</summary>
    ValueTask AbortAsync();
}

/// <summary>What the transport agents add to a message when it is committed.</summary>
/// <param name="Headers">Header fields (CRLF-terminated lines) written above the received content.</param>
/// <param name="Tags">The agents' findings, stored with the message.</param>
/// <param name="RemovedRanges">Octet ranges of the received content (whole header fields, ascending, not overlapping) left out of the stored message.</param>
public sealed record MessageAdditions(ReadOnlyMemory<byte> Headers, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<ContentRange>? RemovedRanges = null)
{
    public static MessageAdditions None { get; } = new(ReadOnlyMemory<byte>.Empty, new Dictionary<string, string>());

    public IReadOnlyList<ContentRange> Removed => RemovedRanges ?? [];

    public bool IsEmpty => Headers.IsEmpty && Tags.Count == 0 && Removed.Count == 0;

    /// <summary>The received content without the removed ranges (for sinks that hold the content in memory).</summary>
    public byte[] WithoutRemoved(ReadOnlySpan<byte> content)
    {
        var kept = new List<byte>(content.Length);
        var position = 0;
        foreach (var range in Removed)
        {
            kept.AddRange(content[position..(int)range.Offset]);
            position = (int)range.End;
        }
        kept.AddRange(content[position..]);
        return [.. kept];
    }
}

/// <summary>A run of octets: <paramref name="Offset"/> and <paramref name="Length"/>.</summary>
public readonly record struct ContentRange(long Offset, int Length)
{
    public long End => Offset + Length;
}
