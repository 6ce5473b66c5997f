using System.Buffers;
using System.Security.Cryptography;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Collects a message's bytes while the SMTP session is still reading them off the network, so the
/// store transaction can be short and never wait on a client. The first 64 KiB stay in a pooled
/// buffer (most mail is smaller, and the header summary is parsed from it); beyond that the bytes
/// spill to an unlinked temporary file in <c>spool-tmp/</c>. This is a staging buffer only: the
/// durable copy is the one in the store, and a crash simply loses the staging file together with
/// the un-acknowledged message. Length and SHA-256 are computed as the bytes arrive.
/// </summary>
internal sealed class MessageStaging : IStagedContent, IAsyncDisposable
{
    public const int MemoryLimit = 64 * 1024;

    private readonly string _spoolDirectory;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[]? _memory = ArrayPool<byte>.Shared.Rent(MemoryLimit);
    private int _memoryLength;
    private FileStream? _spill;
    private long _contentLength;
    /// <summary>Header fields agents added at end of data: stored above the received content.</summary>
    private byte[] _headers = [];
    /// <summary>The in-memory prefix with the header fields agents removed left out; null when nothing was removed.</summary>
    private byte[]? _editedPrefix;

    public MessageStaging(string spoolDirectory) => _spoolDirectory = spoolDirectory;

    /// <summary>The stored length: added headers plus received content, less what agents removed.</summary>
    public long Length => _headers.Length + _contentLength - (_editedPrefix is null ? 0 : _memoryLength - _editedPrefix.Length);

    /// <summary>True when the content outgrew memory and lives in a spool file.</summary>
    public bool Spilled => _spill is not null;

    /// <summary>The first bytes of the message (added headers and at most 64 KiB of content): the header section, for the queue viewer's summary.</summary>
    public ReadOnlyMemory<byte> Prefix => _headers.Length == 0
        ? StoredPrefix
        : (byte[])[.. _headers, .. StoredPrefix.Span];

    private ReadOnlyMemory<byte> StoredPrefix => _editedPrefix ?? _memory.AsMemory(0, _memoryLength);

    /// <summary>
    /// Puts header fields above the content (transport agents' Authentication-Results, spam status…).
    /// Call after the last append and before <see cref="FinishHash"/>.
    /// </summary>
    public void PrependHeaders(ReadOnlyMemory<byte> headers)
    {
        if (headers.IsEmpty)
            return;
        _headers = [.. headers.Span, .. _headers];
    }

    /// <summary>
    /// Leaves the header fields agents removed out of the stored form. The ranges lie in the in-memory
    /// prefix (agents find fields in the first <see cref="MemoryLimit"/> octets). Call after the last append.
    /// </summary>
    /// <exception cref="ArgumentException">A range outside the in-memory prefix, or out of order.</exception>
    public void RemoveRanges(MessageAdditions additions)
    {
        var memory = _memory ?? throw new ObjectDisposedException(nameof(MessageStaging));
        if (additions.Removed.Count == 0)
            return;
        long previousEnd = 0;
        foreach (var range in additions.Removed)
        {
            if (range.Offset < previousEnd || range.Length <= 0 || range.End > _memoryLength)
                throw new ArgumentException($"Cannot remove octets {range.Offset}..{range.End}: ranges must be ascending and lie in the first {_memoryLength} octets.", nameof(additions));
            previousEnd = range.End;
        }
        _editedPrefix = additions.WithoutRemoved(memory.AsSpan(0, _memoryLength));
    }

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var memory = _memory ?? throw new ObjectDisposedException(nameof(MessageStaging));
        _sha256.AppendData(data.Span);
        _contentLength += data.Length;

        // Fill the in-memory prefix first (it stays, for the header summary, even after a spill).
        var toMemory = Math.Min(MemoryLimit - _memoryLength, data.Length);
        if (_spill is null && toMemory == data.Length)
        {
            data.Span.CopyTo(memory.AsSpan(_memoryLength));
            _memoryLength += toMemory;
            return;
        }
        if (_spill is null)
        {
            data.Span[..toMemory].CopyTo(memory.AsSpan(_memoryLength));
            _memoryLength += toMemory;
            _spill = CreateSpillFile();
            await _spill.WriteAsync(memory.AsMemory(0, _memoryLength), cancellationToken);
            data = data[toMemory..];
        }
        await _spill.WriteAsync(data, cancellationToken);
    }

    /// <summary>The SHA-256 of the stored content (added headers, then everything appended), as lower-case hex. Call once, when the content is complete.</summary>
    public async ValueTask<string> FinishHashAsync(CancellationToken cancellationToken)
    {
        if (_headers.Length == 0 && _editedPrefix is null)
            return Convert.ToHexStringLower(_sha256.GetHashAndReset());
        // Headers were put above (or taken out of) content already hashed: hash the whole stored
        // form again (only messages that agents changed pay for this).
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = await OpenReadAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                whole.AppendData(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(whole.GetHashAndReset());
    }

    /// <summary>A read stream over the stored form (added headers, then the staged bytes less removed fields) from the start; disposing it leaves the staging intact.</summary>
    public async ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken)
    {
        var content = _editedPrefix is null ? await OpenContentAsync(cancellationToken) : await OpenEditedContentAsync(cancellationToken);
        return _headers.Length == 0 ? content : new ConcatenatedReadStream(new MemoryStream(_headers, writable: false), content);
    }

    /// <summary>The edited prefix, then whatever spilled beyond the in-memory part.</summary>
    private async ValueTask<Stream> OpenEditedContentAsync(CancellationToken cancellationToken)
    {
        var prefix = new MemoryStream(_editedPrefix!, writable: false);
        if (_spill is null)
            return prefix;
        await _spill.FlushAsync(cancellationToken);
        _spill.Position = _memoryLength;
        return new ConcatenatedReadStream(prefix, new NonClosingStream(_spill, _memoryLength));
    }

    /// <summary>A read stream over the received content only (what the end-of-data agents inspect).</summary>
    public async ValueTask<Stream> OpenContentAsync(CancellationToken cancellationToken)
    {
        var memory = _memory ?? throw new ObjectDisposedException(nameof(MessageStaging));
        if (_spill is null)
            return new MemoryStream(memory, 0, _memoryLength, writable: false);
        await _spill.FlushAsync(cancellationToken);
        _spill.Position = 0;
        return new NonClosingStream(_spill);
    }

    private FileStream CreateSpillFile()
    {
        Directory.CreateDirectory(_spoolDirectory);
        var path = Path.Combine(_spoolDirectory, $"{Guid.NewGuid():N}.tmp");
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0,
        });
        // Unlink at once: the open handle keeps the bytes, and a killed process leaves no orphan file.
        // (DeleteOnClose would leave the file behind on SIGKILL.)
        File.Delete(path);
        return file;
    }

    public async ValueTask DisposeAsync()
    {
        _sha256.Dispose();
        if (_spill is not null)
            await _spill.DisposeAsync();
        _spill = null;
        if (_memory is not null)
            ArrayPool<byte>.Shared.Return(_memory);
        _memory = null;
    }

    /// <summary>Lets the store read the spill file from <paramref name="start"/> on without closing it (the staging owns the file).</summary>
    private sealed class NonClosingStream(Stream inner, long start = 0) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length - start;
        public override long Position { get => inner.Position - start; set => inner.Position = value + start; }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) =>
            inner.Seek(origin == SeekOrigin.Begin ? offset + start : offset, origin) - start;
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
