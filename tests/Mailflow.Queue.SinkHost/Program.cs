using System.Net;
using System.Security.Cryptography;
using System.Text;
using Mailflow.Smtp;
using Mailflow;
using Mailflow.Data;
using Mailflow.Server.Hosting;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// A minimal host for the queue durability tests: commits messages through the real StoreMessageSink
// as fast as it can and prints "QUEUED <queue id> <sha256>" after each commit returns, i.e. at the
// moment a receive session would answer 250. The test kills it with SIGKILL and then checks that
// every printed message is in the store, whole. Usage:
//   Mailflow.Queue.SinkHost <Sqlite|Postgres> <connection string> <data directory> <count> [size]
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Mailflow.Queue.SinkHost <Sqlite|Postgres> <connection string> <data directory> <count> [size]");
    return 2;
}
var provider = Enum.Parse<DatabaseProvider>(args[0], ignoreCase: true);
var count = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var size = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 20_000;

var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?> { ["Mailflow:DataDirectory"] = args[2] })
    .Build();
await using var services = new ServiceCollection()
    .AddLogging()
    .AddMailflowCore(configuration, new StoreSettings(provider, args[1]))
    .AddMessageQueue()
    .BuildServiceProvider();
// Like the server: bring the schema up to date at start (a no-op when the test already migrated).
await using (var db = await services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
    await db.Database.MigrateAsync();
IMessageSink sink = services.GetRequiredService<StoreMessageSink>();

var started = System.Diagnostics.Stopwatch.StartNew();
for (var i = 0; i < count; i++)
{
    var content = Content(i, size);
    var envelope = new MessageEnvelope(
        "loadgen@sender.test",
        [new EnvelopeRecipient("bob@mailflow.test"), new EnvelopeRecipient("carol@mailflow.test")],
        BodyType.SevenBit, SmtpUtf8: false, DsnReturn.Unspecified, DsnEnvelopeId: null,
        new ClientInfo(IPAddress.Loopback, 50000, new IPEndPoint(IPAddress.Loopback, 25), "loadgen.test", null, null, null),
        Guid.Empty, "Default", DateTimeOffset.UtcNow, "sink-host");
    await using var transaction = await sink.BeginAsync(envelope, CancellationToken.None);
    // Arrives the way a session hands it over: in network-sized pieces.
    for (var offset = 0; offset < content.Length; offset += 16 * 1024)
        await transaction.WriteAsync(content.AsMemory(offset, Math.Min(16 * 1024, content.Length - offset)), CancellationToken.None);
    var queueId = await transaction.CommitAsync(CancellationToken.None);
    Console.WriteLine($"QUEUED {queueId} {Convert.ToHexStringLower(SHA256.HashData(content))}");
}
Console.Error.WriteLine($"{count} messages of {size} bytes in {started.Elapsed.TotalSeconds:F2} s: {count / started.Elapsed.TotalSeconds:F0} msg/s");
return 0;

static byte[] Content(int index, int size)
{
    var header = Encoding.ASCII.GetBytes($"From: loadgen@sender.test\r\nTo: bob@mailflow.test\r\nSubject: message {index}\r\nMessage-ID: <{index}@sender.test>\r\n\r\n");
    var content = new byte[Math.Max(size, header.Length)];
    header.CopyTo(content, 0);
    var random = new Random(index);
    for (var i = header.Length; i < content.Length; i++)
        content[i] = (i - header.Length) % 78 == 77 ? (byte)'\n' : (i - header.Length) % 78 == 76 ? (byte)'\r' : (byte)random.Next(33, 127);
    return content;
}
