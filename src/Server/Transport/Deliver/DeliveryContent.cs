using MimeKit;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// The stored message, parsed with MimeKit for MailKit's SmtpClient (which sends a <see cref="MimeMessage"/>,
/// not raw bytes). MimeKit keeps the raw header and body bytes, so an unmodified message is written
/// back as it was stored; only a downgrade for a server without 8BITMIME re-encodes parts.
/// <para>Small messages are parsed in memory. Larger ones are first spooled from the store to an
/// unlinked temp file and parsed <em>persistently</em>, so part contents stay references into that
/// file instead of copies in memory (the store's stream is forward-only, MimeKit's persistent
/// parse needs a seekable one).</para>
/// </summary>
public sealed class DeliveryContent : IAsyncDisposable
{
    /// <summary>Up to this size a message is parsed in memory.</summary>
    public const long InMemoryLimit = 1024 * 1024;

    private readonly Stream? _spool;

    private DeliveryContent(MimeMessage message, Stream? spool)
    {
        Message = message;
        _spool = spool;
    }

    public MimeMessage Message { get; }

    /// <returns>null when the content row is missing.</returns>
    public static async Task<DeliveryContent?> LoadAsync(DeliveryBatch batch, string spoolDirectory, CancellationToken cancellationToken)
    {
        await using var stored = await batch.OpenContent(cancellationToken);
        if (stored is null)
            return null;
        if (batch.Message.Size <= InMemoryLimit)
            return new DeliveryContent(await MimeMessage.LoadAsync(stored, cancellationToken), null);

        Directory.CreateDirectory(spoolDirectory);
        var spool = new FileStream(
            Path.Combine(spoolDirectory, $"deliver-{Guid.NewGuid():N}.eml"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await stored.CopyToAsync(spool, cancellationToken);
            spool.Position = 0;
            var parser = new MimeParser(spool, MimeFormat.Entity, persistent: true);
            return new DeliveryContent(await parser.ParseMessageAsync(cancellationToken), spool);
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Message.Dispose();
        if (_spool is not null)
            await _spool.DisposeAsync();
    }
}
