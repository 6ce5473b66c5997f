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

    /// <summary>Makes the message durable (envelope + content in one store transaction) and returns its queue id.</summary>
    /// <exception cref="Exception">Any failure: the session answers 451 4.3.0 and the client retries.</exception>
    ValueTask<string> CommitAsync(CancellationToken cancellationToken);

    /// <summary>Discards everything written (size exceeded, client gone, policy rejected).</summary>
    ValueTask AbortAsync();
}
