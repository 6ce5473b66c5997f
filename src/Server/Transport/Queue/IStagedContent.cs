namespace Mailflow.Server.Transport.Queue;

/// <summary>A message's complete content, staged outside the store and readable from the start as often as needed.</summary>
internal interface IStagedContent
{
    long Length { get; }

    /// <summary>A fresh read stream from the first byte; disposing it leaves the staging intact (a failed batch reads it again).</summary>
    ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken);
}
