using System.Text;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Smtp;

namespace Mailflow.Delivery.Tests;

/// <summary>Queued messages and RFC 5322 bytes for agent tests that need no store.</summary>
public static class TestMessages
{
    public static byte[] Plain(string subject = "Quarterly figures", string body = "Hello Bob,\r\nthe figures are attached.\r\n.leading dot line\r\n", string messageId = "<m1@sender.test>") =>
        Encoding.UTF8.GetBytes(
            "Received: from client.sender.test ([192.0.2.10]) by mx.mailflow.test; Mon, 2 Mar 2026 09:00:00 +0000\r\n" +
            "From: Alice Example <alice@sender.test>\r\n" +
            "To: bob@remote.test\r\n" +
            $"Subject: {subject}\r\n" +
            $"Message-ID: {messageId}\r\n" +
            "Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n" +
            "\r\n" + body);

    /// <summary>A UTF-8 text body sent as 8bit (BODY=8BITMIME).</summary>
    public static byte[] EightBit(string body = "Grüße aus Köln — 10 € für Sie.\r\n") =>
        Encoding.UTF8.GetBytes(
            "From: Alice Example <alice@sender.test>\r\n" +
            "To: bob@remote.test\r\n" +
            "Subject: Umlauts\r\n" +
            "Message-ID: <m8@sender.test>\r\n" +
            "Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: 8bit\r\n" +
            "\r\n" + body);

    private static long _ids;

    public static QueuedMessage Message(byte[] content, string sender = "alice@sender.test", params string[] recipients)
    {
        var id = Interlocked.Increment(ref _ids);
        return new QueuedMessage
        {
            Id = id,
            QueueId = $"Q{id:D6}",
            State = QueuedMessageState.Categorized,
            Sender = sender,
            BodyType = BodyType.SevenBit,
            Size = content.Length,
            Subject = "Quarterly figures",
            MessageIdHeader = "<m1@sender.test>",
            Recipients = (recipients.Length == 0 ? ["bob@remote.test"] : recipients)
                .Select((address, i) => new QueuedRecipient { Id = id * 100 + i, MessageId = id, Address = address, Status = QueuedRecipientStatus.Scheduled })
                .ToList(),
        };
    }

    public static DeliveryBatch Batch(QueuedMessage message, byte[] content, DeliveryTarget target) =>
        new(message, message.Recipients, target, _ => Task.FromResult<Stream?>(new MemoryStream(content, writable: false)));

    public static DeliveryTarget SmtpTarget(params (string Host, int Port)[] hosts) =>
        new("smarthost:test", DeliveryTargetKind.Smtp)
        {
            Hosts = hosts.Select(h => new DeliveryHost(h.Host, h.Port)).ToList(),
            Smtp = new SmtpDeliverySettings { HeloName = "node-a.mailflow.test", CommandTimeout = TimeSpan.FromSeconds(30) },
        };
}
