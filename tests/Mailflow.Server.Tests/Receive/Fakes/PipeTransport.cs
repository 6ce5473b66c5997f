using System.IO.Pipelines;
using System.Net;
using Mailflow.Server.Transport.Receive.Session;

namespace Mailflow.Server.Tests.Receive.Fakes;

/// <summary>An in-memory duplex connection (Kestrel's in-memory transport idea): no socket, no TLS.</summary>
public sealed class PipeTransport : ISmtpTransport
{
    public Pipe ClientToServer { get; } = new();
    public Pipe ServerToClient { get; } = new();

    public PipeReader Input => ClientToServer.Reader;
    public PipeWriter Output => ServerToClient.Writer;
    public EndPoint? LocalEndPoint { get; } = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 25);
    public EndPoint? RemoteEndPoint { get; init; } = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 40000);
    public TlsDetails? Tls { get; init; }
    public bool CanStartTls => false;

    public ValueTask StartTlsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}
