using System.Text;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// Writes replies to the session's output without flushing: under PIPELINING (RFC 2920 §3.2) the
/// session flushes only when it has no complete command left to answer, so a batch of pipelined
/// commands gets its replies in one write, in order.
/// </summary>
internal sealed class ReplyWriter(ISmtpTransport transport, Action<ProtocolDirection, string> protocolLog, string connectorName)
{
    public void Write(SmtpReply reply)
    {
        ReceiveMetrics.Reply(connectorName, reply.Code);
        foreach (var line in reply.Lines)
        {
            protocolLog(ProtocolDirection.Sent, line);
            var output = transport.Output;
            var length = Encoding.UTF8.GetByteCount(line) + 2;
            var span = output.GetSpan(length);
            var written = Encoding.UTF8.GetBytes(line, span);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            output.Advance(written + 2);
        }
    }

    /// <returns>False when the client is gone.</returns>
    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        var result = await transport.Output.FlushAsync(cancellationToken);
        return !result.IsCompleted && !result.IsCanceled;
    }
}
