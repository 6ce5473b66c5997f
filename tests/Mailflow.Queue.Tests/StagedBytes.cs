using Mailflow.Server.Transport.Queue;

namespace Mailflow.Queue.Tests;

/// <summary>Content staged as a byte array, for handing messages to the group committer directly.</summary>
internal sealed class StagedBytes(byte[] content) : IStagedContent
{
    public long Length => content.Length;

    public ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(new MemoryStream(content, writable: false));
}
