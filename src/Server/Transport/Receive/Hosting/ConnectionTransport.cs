using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Server.Transport.Receive.Session;
using Microsoft.AspNetCore.Connections;

namespace Mailflow.Server.Transport.Receive.Hosting;

/// <summary>
/// A Kestrel connection as an <see cref="ISmtpTransport"/>. TLS (STARTTLS or implicit) wraps the
/// connection's pipes in an <see cref="SslStream"/> and swaps <see cref="Input"/>/<see cref="Output"/>
/// for pipes over it. TLS 1.2 and 1.3 only (<see cref="ServerOptions"/>).
/// </summary>
/// <param name="certificate">The connector's certificate with its chain; null = no TLS on this connection.</param>
internal sealed class ConnectionTransport(ConnectionContext connection, SslStreamCertificateContext? certificate, TimeProvider time, TimeSpan handshakeTimeout)
    : ISmtpTransport, IAsyncDisposable
{
    private SslStream? _ssl;

    public PipeReader Input { get; private set; } = connection.Transport.Input;
    public PipeWriter Output { get; private set; } = connection.Transport.Output;
    public EndPoint? LocalEndPoint => connection.LocalEndPoint;
    public EndPoint? RemoteEndPoint => connection.RemoteEndPoint;
    public TlsDetails? Tls { get; private set; }
    public bool CanStartTls => certificate is not null && _ssl is null;

    public async ValueTask StartTlsAsync(CancellationToken cancellationToken)
    {
        if (certificate is null || _ssl is not null)
            throw new InvalidOperationException("TLS is not available on this connection.");
        var ssl = new SslStream(new DuplexPipeStream(connection.Transport.Input, connection.Transport.Output), leaveInnerStreamOpen: false);
        _ssl = ssl;
        using var timeout = new CancellationTokenSource(handshakeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await ssl.AuthenticateAsServerAsync(ServerOptions(certificate), linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new AuthenticationException("TLS handshake timed out.");
        }
        Input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        Output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
        Tls = new TlsDetails(ssl.SslProtocol.ToString(), ssl.NegotiatedCipherSuite.ToString());
    }

    /// <summary>
    /// The server side of every SMTP TLS handshake. TLS 1.0 and 1.1 are off: RFC 8996 deprecates
    /// them, and RFC 8314 §4.1 asks mail servers for TLS 1.2 or later. The context carries the
    /// certificate's chain, so clients get the intermediates without fetching them.
    /// </summary>
    internal static SslServerAuthenticationOptions ServerOptions(SslStreamCertificateContext certificate) => new()
    {
        ServerCertificateContext = certificate,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    public async ValueTask DisposeAsync()
    {
        if (_ssl is not null)
        {
            try
            {
                await Output.CompleteAsync();
                await Input.CompleteAsync();
                await _ssl.DisposeAsync();
            }
            catch (Exception)
            {
                // The peer may already be gone; the connection is being torn down anyway.
            }
        }
        await connection.Transport.Output.CompleteAsync();
        await connection.Transport.Input.CompleteAsync();
    }
}
