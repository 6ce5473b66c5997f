namespace Mailflow.Server.Transport.Queue;

/// <summary>Reads one stream after the other (added headers, then the staged content); disposes both.</summary>
internal sealed class ConcatenatedReadStream(Stream first, Stream second) : Stream
{
    private bool _onSecond;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => first.Length + second.Length;
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_onSecond)
        {
            var read = first.Read(buffer);
            if (read > 0 || buffer.IsEmpty)
                return read;
            _onSecond = true;
        }
        return second.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_onSecond)
        {
            var read = await first.ReadAsync(buffer, cancellationToken);
            if (read > 0 || buffer.IsEmpty)
                return read;
            _onSecond = true;
        }
        return await second.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            first.Dispose();
            second.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
        await base.DisposeAsync();
    }
}
