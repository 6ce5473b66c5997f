using System.Collections.Concurrent;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>An open SMTP session to one host of a next hop, and how much it has carried.</summary>
internal sealed class PooledSmtpConnection(EnvelopeSmtpClient client, DeliveryHost host, string nextHopKey)
{
    public EnvelopeSmtpClient Client { get; } = client;
    public DeliveryHost Host { get; } = host;
    public string NextHopKey { get; } = nextHopKey;
    public int MessagesSent { get; set; }
    /// <summary>What the recipient domain's TLS policy found on this connection (MTA-STS), for the trace; null without a policy.</summary>
    public string? TlsPolicyNote { get; init; }
    /// <summary>The recipient domain's policy this connection was checked against (<see cref="Tls.MtaStsRequirement.Describe"/>); a session opened under another policy is not reused.</summary>
    public string? TlsPolicyKey { get; init; }
    public DateTimeOffset IdleSince { get; set; }

    public async Task CloseAsync()
    {
        try
        {
            if (Client.IsConnected)
            {
                using var quitTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await Client.DisconnectAsync(quit: true, quitTimeout.Token);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // QUIT is a courtesy; a peer that is already gone needs none.
        }
        finally
        {
            Client.Dispose();
        }
    }
}

/// <summary>
/// Idle SMTP sessions per next hop, so several messages travel over one connection (Exchange and
/// Postfix connection caching): a delivery takes an idle session of its next hop when there is one,
/// and gives it back afterwards until it has carried MaxMessagesPerConnection messages. Idle
/// sessions are closed after <see cref="IdleTimeout"/> — well inside the 5 minutes a server waits
/// for the next command (RFC 5321 §4.5.3.2.7) — so we never reuse one the server already dropped.
/// The number of sessions per next hop is bounded by the caller's per-next-hop concurrency.
/// </summary>
public sealed class SmtpConnectionPool(TimeProvider time) : IAsyncDisposable
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, ConcurrentStack<PooledSmtpConnection>> _idle = new(StringComparer.Ordinal);

    /// <summary>Idle sessions held right now (all next hops).</summary>
    public int IdleCount => _idle.Values.Sum(s => s.Count);

    internal async Task<PooledSmtpConnection?> TakeAsync(string nextHopKey)
    {
        if (!_idle.TryGetValue(nextHopKey, out var stack))
            return null;
        var now = time.GetUtcNow();
        while (stack.TryPop(out var connection))
        {
            if (connection.Client.IsConnected && now - connection.IdleSince < IdleTimeout)
                return connection;
            await connection.CloseAsync();
        }
        return null;
    }

    internal async Task ReturnAsync(PooledSmtpConnection connection, int maxMessagesPerConnection)
    {
        if (!connection.Client.IsConnected || connection.MessagesSent >= Math.Max(1, maxMessagesPerConnection))
        {
            await connection.CloseAsync();
            return;
        }
        connection.IdleSince = time.GetUtcNow();
        _idle.GetOrAdd(connection.NextHopKey, _ => new ConcurrentStack<PooledSmtpConnection>()).Push(connection);
    }

    /// <summary>Closes sessions idle for longer than <see cref="IdleTimeout"/>; the queue manager calls this as it goes.</summary>
    public async Task CloseIdleAsync()
    {
        var now = time.GetUtcNow();
        foreach (var stack in _idle.Values)
        {
            var keep = new List<PooledSmtpConnection>();
            while (stack.TryPop(out var connection))
            {
                if (connection.Client.IsConnected && now - connection.IdleSince < IdleTimeout)
                    keep.Add(connection);
                else
                    await connection.CloseAsync();
            }
            foreach (var connection in Enumerable.Reverse(keep))
                stack.Push(connection);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stack in _idle.Values)
            while (stack.TryPop(out var connection))
                await connection.CloseAsync();
    }
}
