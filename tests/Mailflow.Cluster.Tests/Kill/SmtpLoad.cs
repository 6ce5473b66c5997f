using System.Collections.Concurrent;
using System.Diagnostics;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Mailflow.Cluster.Tests.Kill;

/// <summary>What the client knows of one message it tried to send.</summary>
public enum SendOutcome
{
    /// <summary>The server answered <c>250</c>: it owns the message now.</summary>
    Acknowledged,

    /// <summary>The server answered <c>4yz</c> (try later): the client keeps the message.</summary>
    Deferred,

    /// <summary>The server answered <c>5yz</c>.</summary>
    Rejected,

    /// <summary>
    /// The connection died before the reply (the server was killed): the server may have committed it
    /// just before the kill, so it may be delivered, but it was never promised.
    /// </summary>
    Unanswered,
}

/// <summary>One message's outcome and when the client learnt it.</summary>
public sealed record SentMessage(string MessageId, SendOutcome Outcome, int? ReplyCode, TimeSpan At);

/// <summary>
/// Steady SMTP load for the kill tests: a few senders, each on its own connection, send one small
/// message after another to <c>relay.test</c> until stopped, reconnecting whenever the server is away.
/// Every message has its own Message-ID, and the outcome the client saw is recorded per message —
/// the ground truth the tests compare the deliveries with.
/// </summary>
public sealed class SmtpLoad : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SentMessage> _sent = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock;
    private readonly List<Task> _senders;
    private readonly string _prefix;
    private readonly int _port;

    private SmtpLoad(int port, int senders, string prefix, Stopwatch clock)
    {
        _port = port;
        _prefix = prefix;
        _clock = clock;
        _senders = [.. Enumerable.Range(0, senders).Select(i => Task.Run(() => SendUntilStoppedAsync(i)))];
    }

    /// <param name="clock">The test's clock, so outcomes and deliveries can be compared in time.</param>
    public static SmtpLoad Start(int port, int senders, string prefix, Stopwatch clock) => new(port, senders, prefix, clock);

    public IReadOnlyCollection<SentMessage> Sent => [.. _sent.Values];

    public int Count(SendOutcome outcome) => _sent.Values.Count(m => m.Outcome == outcome);

    public HashSet<string> Ids(SendOutcome outcome) => [.. _sent.Values.Where(m => m.Outcome == outcome).Select(m => m.MessageId)];

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds for the outcomes so far.</summary>
    public async Task WaitUntilAsync(Func<SmtpLoad, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"{what} did not happen within {timeout}: {Summary()}");
            await Task.Delay(20);
        }
    }

    public string Summary() =>
        $"{Count(SendOutcome.Acknowledged)} acknowledged, {Count(SendOutcome.Deferred)} deferred (4yz), {Count(SendOutcome.Rejected)} rejected (5yz), {Count(SendOutcome.Unanswered)} unanswered";

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_senders);
    }

    private async Task SendUntilStoppedAsync(int sender)
    {
        var n = 0;
        while (!_stop.IsCancellationRequested)
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            try
            {
                await client.ConnectAsync("127.0.0.1", _port, SecureSocketOptions.None, _stop.Token);
            }
            catch (Exception ex) when (IsConnectionTrouble(ex) || ex is SmtpCommandException)
            {
                // The server is away (killed, restarting) or refused the session (421): try again shortly.
                await PauseAsync(100);
                continue;
            }

            while (client.IsConnected && !_stop.IsCancellationRequested)
            {
                var message = Message(sender, n++);
                try
                {
                    await client.SendAsync(message, _stop.Token);
                    Record(message, SendOutcome.Acknowledged, 250);
                }
                catch (SmtpCommandException refused)
                {
                    var code = (int)refused.StatusCode;
                    Record(message, code is >= 400 and < 500 ? SendOutcome.Deferred : SendOutcome.Rejected, code);
                    // A deferral is a reason to slow down, as a real client would; a 421 closed the session.
                    await PauseAsync(50);
                    if (client.IsConnected)
                        await TryResetAsync(client);
                }
                catch (Exception ex) when (IsConnectionTrouble(ex))
                {
                    // Also when the test stopped the load mid-message: the server may still commit it.
                    Record(message, SendOutcome.Unanswered, null);
                    break;
                }
            }
        }
    }

    private static async Task TryResetAsync(SmtpClient client)
    {
        try
        {
            await client.NoOpAsync();
        }
        catch (Exception ex) when (IsConnectionTrouble(ex) || ex is SmtpCommandException)
        {
            // The server closed the session after its refusal; the outer loop reconnects.
        }
    }

    private async Task PauseAsync(int milliseconds)
    {
        try
        {
            await Task.Delay(milliseconds, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void Record(MimeMessage message, SendOutcome outcome, int? code) =>
        _sent[message.MessageId!] = new SentMessage(message.MessageId!, outcome, code, _clock.Elapsed);

    private static bool IsConnectionTrouble(Exception ex) =>
        ex is IOException or SmtpProtocolException or ServiceNotConnectedException or OperationCanceledException or System.Net.Sockets.SocketException or TimeoutException;

    private MimeMessage Message(int sender, int n) => new()
    {
        From = { MailboxAddress.Parse($"sender{sender}@fabrikam.test") },
        To = { MailboxAddress.Parse($"user{n % 7}@relay.test") },
        Subject = $"kill test {sender}/{n}",
        MessageId = $"{_prefix}-{sender}-{n}@fabrikam.test",
        Body = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat($"line of message {n} that must arrive once\r\n", 20)) },
    };

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync();
        _stop.Dispose();
    }
}
