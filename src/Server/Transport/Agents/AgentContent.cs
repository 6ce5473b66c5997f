using MimeKit;

namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// The message at end of data, as received (our Received: header first), read from the staging the
/// store will commit — no second copy. The MIME parse is done once, on the first agent that asks, and
/// shared by every later agent (and the end-of-data rules).
/// </summary>
public sealed class AgentContent(long size, Func<CancellationToken, ValueTask<Stream>> open)
{
    private MimeMessage? _message;
    private HeaderList? _headers;
    private IReadOnlyList<ReceivedHeaderField>? _fields;

    public long Size { get; } = size;

    /// <summary>A fresh stream over the whole message from its first byte; dispose it when done.</summary>
    public ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken) => open(cancellationToken);

    /// <summary>
    /// The whole header section (Content-* fields included), parsed once. Not the parsed message's
    /// <see cref="MimeMessage.Headers"/>: MimeKit moves the Content-* fields to the body entity.
    /// </summary>
    public async ValueTask<HeaderList> GetHeadersAsync(CancellationToken cancellationToken)
    {
        if (_headers is not null)
            return _headers;
        await using var stream = await open(cancellationToken);
        _headers = await HeaderList.LoadAsync(stream, cancellationToken);
        return _headers;
    }

    /// <summary>
    /// The header fields of the received content with their positions, read from at most the first
    /// <see cref="Queue.MessageStaging.MemoryLimit"/> octets (the part the store can edit in place).
    /// </summary>
    public async ValueTask<IReadOnlyList<ReceivedHeaderField>> GetHeaderFieldsAsync(CancellationToken cancellationToken)
    {
        if (_fields is not null)
            return _fields;
        await using var stream = await open(cancellationToken);
        var buffer = new byte[(int)Math.Min(Size, Queue.MessageStaging.MemoryLimit)];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
            filled += read;
        _fields = ReceivedHeaderField.Scan(buffer.AsSpan(0, filled));
        return _fields;
    }

    /// <summary>The whole message, parsed once (MimeKit keeps the raw header values, as DKIM needs).</summary>
    public async ValueTask<MimeMessage> GetMessageAsync(CancellationToken cancellationToken)
    {
        if (_message is not null)
            return _message;
        await using var stream = await open(cancellationToken);
        _message = await MimeMessage.LoadAsync(stream, cancellationToken);
        return _message;
    }
}
