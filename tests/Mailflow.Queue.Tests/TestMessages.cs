using System.Net;
using System.Security.Cryptography;
using System.Text;
using Mailflow.Server.Transport;
using Mailflow.Smtp;

namespace Mailflow.Queue.Tests;

/// <summary>Envelopes and RFC 5322 message bytes for the tests.</summary>
public static class TestMessages
{
    public static readonly Guid ConnectorId = Guid.Parse("7d1f0c4e-5c55-4c44-9a0e-3f2b8b9d1a01");

    public static MessageEnvelope Envelope(DateTimeOffset receivedAt, string sender = "alice@sender.test", params string[] recipients) => new(
        sender,
        (recipients.Length == 0 ? ["bob@mailflow.test", "carol@mailflow.test"] : recipients)
            .Select((address, i) => new EnvelopeRecipient(
                address,
                i == 0 ? DsnNotify.Success | DsnNotify.Failure : DsnNotify.Unspecified,
                i == 0 ? $"rfc822;{address}" : null))
            .ToList(),
        BodyType.EightBitMime,
        SmtpUtf8: true,
        DsnReturn.Headers,
        DsnEnvelopeId: "env-42",
        new ClientInfo(IPAddress.Parse("192.0.2.10"), 40123, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 2525), "client.sender.test", "alice", "Tls13", "TLS_AES_256_GCM_SHA384"),
        ConnectorId,
        "Default Frontend",
        receivedAt,
        "node-a");

    /// <summary>A message of exactly <paramref name="size"/> bytes: a header section, then CRLF-terminated lines of pseudo-random text.</summary>
    public static byte[] Content(int size, string subject = "Quarterly figures", int seed = 1, string messageId = "<m1@sender.test>")
    {
        var header = Encoding.UTF8.GetBytes(
            "Received: from client.sender.test ([192.0.2.10]) by mx.mailflow.test; Mon, 2 Mar 2026 09:00:00 +0000\r\n" +
            "From: Alice Example <alice@sender.test>\r\n" +
            "To: bob@mailflow.test\r\n" +
            $"Subject: {subject}\r\n" +
            $"Message-ID: {messageId}\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        if (header.Length > size)
            throw new ArgumentOutOfRangeException(nameof(size), "Too small for the header section.");
        var content = new byte[size];
        header.CopyTo(content, 0);
        var random = new Random(seed);
        for (var i = header.Length; i < size; i++)
            content[i] = (i - header.Length) % 78 == 76 ? (byte)'\r' : (i - header.Length) % 78 == 77 ? (byte)'\n' : (byte)random.Next('a', 'z' + 1);
        return content;
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Sends a whole message through a sink the way a session does: begin, write chunk by chunk, commit.</summary>
    public static async Task<string> StoreAsync(IMessageSink sink, MessageEnvelope envelope, byte[] content, int chunkSize = 4096)
    {
        await using var transaction = await sink.BeginAsync(envelope, CancellationToken.None);
        await WriteChunksAsync(transaction, content, chunkSize);
        return await transaction.CommitAsync(CancellationToken.None);
    }

    public static async Task WriteChunksAsync(IMessageTransaction transaction, ReadOnlyMemory<byte> content, int chunkSize)
    {
        for (var offset = 0; offset < content.Length; offset += chunkSize)
            await transaction.WriteAsync(content.Slice(offset, Math.Min(chunkSize, content.Length - offset)), CancellationToken.None);
    }

    public static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
