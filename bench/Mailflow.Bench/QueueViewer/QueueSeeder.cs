using System.Security.Cryptography;
using System.Text;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Smtp;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Bench.QueueViewer;

/// <summary>
/// Fills a migrated store with a realistic, reproducible queue (fixed random seed): about 20 next hops
/// (skewed: the busiest holds ~10 %), 2,000 senders on 50 domains, 1-3 recipients per message,
/// subjects from common templates (10 % newsletters), sizes log-uniform from 1.5 KB to 5 MB, arrivals
/// over the last 48 hours. States: 85 % waiting for delivery (half of them retrying after a 4xx with
/// attempts and a last error), 5 % suspended, 5 % completed, 3 % submitted, 2 % quarantined; a few
/// dozen under a delivery lease on one of two nodes. Rows go in through EF in chunks; the content
/// rows are small stubs (the viewer never reads content, and their size would only slow the seeding).
/// </summary>
public sealed class QueueSeeder(IDbContextFactory<MailflowDbContext> dbFactory, DateTimeOffset now)
{
    public const int NextHopCount = 20;
    private const int Chunk = 2000;

    private static readonly string[] Errors =
    [
        "4.7.1 Greylisted, please try again later",
        "4.2.2 Mailbox full",
        "4.4.1 Connection timed out",
        "4.3.0 Temporary system problem, try again later",
        "4.7.0 Too many connections from your IP, slow down",
        "4.4.2 Connection dropped",
    ];

    private static readonly string[] Words = ["atlas", "borealis", "cedar", "delta", "ember", "falcon", "granite", "harbor", "iris", "juniper"];

    private readonly Random _random = new(42);

    public static string NextHop(int index) => $"smtp:6f0e4a1c-0000-4000-8000-{index:D12}:domain{index}.example";

    public async Task SeedAsync(int count, Action<int> progress, CancellationToken cancellationToken)
    {
        for (var start = 0; start < count; start += Chunk)
        {
            var messages = Enumerable.Range(start, Math.Min(Chunk, count - start)).Select(Message).ToList();
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.QueuedMessages.AddRange(messages);
            await db.SaveChangesAsync(cancellationToken);
            db.MessageContents.AddRange(messages.Select(m => new MessageContent { MessageId = m.Id, Data = Content(m) }));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            progress(start + messages.Count);
        }
    }

    private QueuedMessage Message(int index)
    {
        var received = now - TimeSpan.FromSeconds(_random.Next(60, 48 * 3600));
        var roll = _random.Next(100);
        var state = roll switch
        {
            < 85 => QueuedMessageState.Categorized,
            < 90 => QueuedMessageState.Suspended,
            < 95 => QueuedMessageState.Completed,
            < 98 => QueuedMessageState.Submitted,
            _ => QueuedMessageState.Quarantined,
        };
        var senderDomain = _random.Next(50);
        var sender = _random.Next(50) == 0 ? "" : $"user{_random.Next(2000)}@sender{senderDomain}.example";
        var message = new QueuedMessage
        {
            QueueId = $"BQ{index:D10}",
            State = state,
            Priority = QueuePriority.Normal,
            Sender = sender,
            BodyType = BodyType.EightBitMime,
            DsnReturn = DsnReturn.Unspecified,
            ClientAddress = $"198.51.100.{_random.Next(1, 255)}",
            ClientPort = _random.Next(1024, 65535),
            LocalEndPoint = "192.0.2.1:25",
            HeloName = $"mx.sender{senderDomain}.example",
            ReceiveConnectorId = Guid.Parse("00000000-0000-4000-8000-000000000001"),
            ReceiveConnectorName = "Default Frontend",
            ReceivingNode = _random.Next(2) == 0 ? "node-a" : "node-b",
            ReceivedAt = received,
            QueuedAt = received,
            Size = (long)Math.Exp(Math.Log(1500) + _random.NextDouble() * (Math.Log(5_000_000) - Math.Log(1500))),
            Subject = Subject(),
            FromHeader = sender.Length == 0 ? "Mail Delivery System <postmaster@mailflow.example>" : $"\"Sender {senderDomain}\" <{sender}>",
            MessageIdHeader = $"<{index}.{_random.Next()}@sender{senderDomain}.example>",
        };

        var hop = WeightedHop();
        var recipientCount = _random.Next(10) switch { < 7 => 1, < 9 => 2, _ => 3 };
        for (var i = 0; i < recipientCount; i++)
        {
            // One message in ten also goes to a second next hop.
            var recipientHop = i > 0 && _random.Next(10) == 0 ? WeightedHop() : hop;
            message.Recipients.Add(Recipient(state, recipientHop, received));
        }

        message.NextAttemptAt = state switch
        {
            QueuedMessageState.Completed => null,
            QueuedMessageState.Categorized => message.Recipients.Where(r => !r.Status.IsFinal()).Select(r => r.NextRetryAt ?? received).DefaultIfEmpty(received).Min(),
            _ => received,
        };
        if (state == QueuedMessageState.Categorized && _random.Next(2000) == 0)
        {
            message.LeaseOwner = message.ReceivingNode;
            message.LeaseToken = Guid.NewGuid();
            message.LeaseUntil = now.AddMinutes(5);
        }
        var content = Content(message);
        message.ContentSha256 = Convert.ToHexStringLower(SHA256.HashData(content));
        return message;
    }

    private QueuedRecipient Recipient(QueuedMessageState state, int hop, DateTimeOffset received)
    {
        var recipient = new QueuedRecipient
        {
            Address = $"rcpt{_random.Next(5000)}@domain{hop}.example",
            Status = QueuedRecipientStatus.Scheduled,
            NextHopKey = state == QueuedMessageState.Submitted ? null : NextHop(hop),
        };
        if (state == QueuedMessageState.Completed)
        {
            recipient.Status = _random.Next(5) == 0 ? QueuedRecipientStatus.PermanentFailure : QueuedRecipientStatus.Delivered;
            recipient.AttemptCount = _random.Next(1, 4);
            recipient.LastAttemptAt = received.AddMinutes(_random.Next(1, 120));
            (recipient.LastReplyCode, recipient.LastResponse) = recipient.Status == QueuedRecipientStatus.Delivered
                ? (250, "2.0.0 OK queued")
                : (550, "5.1.1 User unknown");
            recipient.LastRemoteHost = $"mx1.domain{hop}.example";
            return recipient;
        }
        if (state is QueuedMessageState.Categorized or QueuedMessageState.Suspended && _random.Next(2) == 0)
        {
            var error = Errors[_random.Next(Errors.Length)];
            recipient.Status = QueuedRecipientStatus.TemporaryFailure;
            recipient.AttemptCount = _random.Next(1, 11);
            recipient.LastAttemptAt = now - TimeSpan.FromSeconds(_random.Next(10, 1800));
            recipient.NextRetryAt = now + TimeSpan.FromSeconds(_random.Next(60, 3600));
            recipient.LastReplyCode = error[0] == '4' && error[2] == '2' ? 452 : 451;
            recipient.LastResponse = error;
            recipient.LastRemoteHost = $"mx{_random.Next(1, 3)}.domain{hop}.example";
        }
        return recipient;
    }

    /// <summary>Next hop i carries weight 20 - i: the busiest queue holds ~10 % of the messages, the quietest ~0.5 %.</summary>
    private int WeightedHop()
    {
        var total = NextHopCount * (NextHopCount + 1) / 2;
        var pick = _random.Next(total);
        for (var i = 0; i < NextHopCount; i++)
        {
            pick -= NextHopCount - i;
            if (pick < 0)
                return i;
        }
        return NextHopCount - 1;
    }

    private string Subject()
    {
        var n = _random.Next(100_000);
        return _random.Next(100) switch
        {
            < 15 => $"Invoice {n} for {(Month)(_random.Next(12) + 1)}",
            < 30 => $"Your order #{n} has shipped",
            < 40 => $"Weekly newsletter — issue {n % 500}",
            < 60 => $"Re: project {Words[_random.Next(Words.Length)]} status",
            < 70 => $"Meeting notes {now.AddDays(-_random.Next(30)):yyyy-MM-dd}",
            < 75 => "Password reset request",
            < 85 => $"Quarterly report Q{_random.Next(1, 5)} {2020 + _random.Next(7)}",
            _ => $"Fwd: {Words[_random.Next(Words.Length)]} proposal",
        };
    }

    private static byte[] Content(QueuedMessage message) => Encoding.UTF8.GetBytes(
        $"From: {message.FromHeader}\r\nSubject: {message.Subject}\r\nMessage-ID: {message.MessageIdHeader}\r\n\r\n(benchmark stub; Size says {message.Size} octets)\r\n");

    private enum Month { January = 1, February, March, April, May, June, July, August, September, October, November, December }
}
