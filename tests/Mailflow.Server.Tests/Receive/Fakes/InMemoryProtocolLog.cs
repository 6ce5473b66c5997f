using System.Collections.Concurrent;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Tests.Receive.Fakes;

public sealed class InMemoryProtocolLog : IProtocolLog
{
    public ConcurrentQueue<ProtocolLogEntry> Entries { get; } = new();

    public void Write(ProtocolLogEntry entry) => Entries.Enqueue(entry);

    public string Transcript => string.Join("\n", Entries.Select(e => $"{e.Direction}: {e.Text}"));
}
