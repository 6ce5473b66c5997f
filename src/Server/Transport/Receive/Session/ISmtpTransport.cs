using System.IO.Pipelines;
using System.Net;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>The negotiated TLS parameters, for Received: headers and the envelope.</summary>
public sealed record TlsDetails(string Protocol, string Cipher);

/// <summary>
/// The connection as the session sees it: a duplex pipe that STARTTLS can replace with its TLS
/// counterpart (RFC 3207). The session flushes <c>220 Ready to start TLS</c> and discards buffered
/// plaintext before calling <see cref="StartTlsAsync"/>; afterwards it reads <see cref="Input"/> and
/// writes <see cref="Output"/> again, which now are the decrypted streams.
/// </summary>
public interface ISmtpTransport
{
    PipeReader Input { get; }
    PipeWriter Output { get; }
    EndPoint? LocalEndPoint { get; }
    EndPoint? RemoteEndPoint { get; }
    /// <summary>Null until TLS is active (after STARTTLS or from the start with implicit TLS).</summary>
    TlsDetails? Tls { get; }
    /// <summary>Whether a certificate is available so STARTTLS can succeed.</summary>
    bool CanStartTls { get; }

    /// <exception cref="System.Security.Authentication.AuthenticationException">The handshake failed; the session closes.</exception>
    ValueTask StartTlsAsync(CancellationToken cancellationToken);
}
