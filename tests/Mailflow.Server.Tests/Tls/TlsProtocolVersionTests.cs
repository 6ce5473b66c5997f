using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Wire;
using Mailflow.Server.Transport.Receive.Hosting;

namespace Mailflow.Server.Tests.Tls;

/// <summary>
/// The SMTP listener speaks TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1). The proof does
/// not rely on a TLS library as the client — the OS's OpenSSL may refuse old versions on its own
/// side, which would prove nothing about the server — but sends hand-made ClientHello records
/// (RFC 5246 §7.4.1.2) offering exactly one version, and reads what the server answers.
/// </summary>
public class TlsProtocolVersionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    private const byte HandshakeRecord = 0x16;
    private const byte AlertRecord = 0x15;
    private const byte ServerHello = 0x02;
    private const byte ProtocolVersionAlert = 70; // RFC 5246 §7.2.2 protocol_version

    [Theory]
    [InlineData((ushort)0x0301)] // TLS 1.0
    [InlineData((ushort)0x0302)] // TLS 1.1
    public async Task ImplicitTls_WhenClientOffersOnlyTls10Or11_RefusesWithoutServerHello(ushort version)
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Implicit", ConnectorTlsMode.ImplicitTls));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", host.Port());

        var answer = await HelloAsync(tcp.GetStream(), version);

        AssertRefused(answer);
    }

    [Theory]
    [InlineData((ushort)0x0301)]
    [InlineData((ushort)0x0302)]
    public async Task StartTls_WhenClientOffersOnlyTls10Or11_RefusesWithoutServerHello(ushort version)
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default"));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("EHLO old.client.test", "250 ");
        await client.SendAsync("STARTTLS", "220 2.0.0");

        var answer = await HelloAsync(client.Stream, version);

        AssertRefused(answer);
    }

    [Fact]
    public async Task ImplicitTls_WhenClientOffersTls12_AnswersWithServerHello()
    {
        // The control: the same hand-made hello with version 1.2 is good enough for a handshake to start.
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Implicit", ConnectorTlsMode.ImplicitTls));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", host.Port());

        var answer = await HelloAsync(tcp.GetStream(), 0x0303);

        Assert.True(answer.Length >= 6, $"the server closed after a TLS 1.2 hello ({answer.Length} bytes)");
        Assert.Equal(HandshakeRecord, answer[0]);
        Assert.Equal(ServerHello, answer[5]);
    }

#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 are obsolete: that is the point of the test.
    [Fact]
    public async Task DotNetClient_WhenLimitedToTls10And11_CannotConnect()
    {
        // On its own this could be the client's OpenSSL refusing (Debian's default is TLS 1.2 at least);
        // the hand-made hellos above show the server refuses too.
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Implicit", ConnectorTlsMode.ImplicitTls));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", host.Port());
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var guard = new CancellationTokenSource(Guard);

        var failure = await Record.ExceptionAsync(() => ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "mx.local.test",
            EnabledSslProtocols = SslProtocols.Tls | SslProtocols.Tls11,
        }, guard.Token));

        Assert.True(failure is AuthenticationException or IOException, $"expected a failed handshake, got {failure?.GetType().Name ?? "success"}");
    }
#pragma warning restore SYSLIB0039

    [Fact]
    public void ServerOptions_EnableOnlyTls12And13()
    {
        var options = ConnectionTransport.ServerOptions(TestCertificate.Context);

        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.EnabledSslProtocols);
        Assert.Same(TestCertificate.Context, options.ServerCertificateContext);
    }

    /// <summary>
    /// Refused: the connection closed, or a fatal protocol_version alert — never a ServerHello. The
    /// alert's reason matters: with 1.0/1.1 enabled in <see cref="ConnectionTransport.ServerOptions"/>,
    /// Debian's OpenSSL 3 still fails the handshake, but with handshake_failure (40, no usable
    /// cipher at its security level); protocol_version (70) says the listener itself refused the version.
    /// </summary>
    private static void AssertRefused(byte[] answer)
    {
        if (answer.Length == 0)
            return; // closed without a word: refused
        Assert.NotEqual(HandshakeRecord, answer[0]);
        Assert.Equal(AlertRecord, answer[0]);
        Assert.True(answer.Length >= 7, "an alert record carries level and description");
        Assert.Equal(2, answer[5]); // fatal
        Assert.Equal(ProtocolVersionAlert, answer[6]);
    }

    /// <summary>Sends a ClientHello offering only <paramref name="version"/>; returns the first record the server sends back (empty when it closes).</summary>
    private static async Task<byte[]> HelloAsync(Stream stream, ushort version)
    {
        await stream.WriteAsync(ClientHello(version));
        await stream.FlushAsync();
        using var guard = new CancellationTokenSource(Guard);
        var header = new byte[5];
        var got = await ReadAtMostAsync(stream, header, guard.Token);
        if (got < header.Length)
            return header[..got];
        var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3));
        var body = new byte[Math.Min(length, (ushort)64)];
        var bodyRead = await ReadAtMostAsync(stream, body, guard.Token);
        return [.. header, .. body[..bodyRead]];
    }

    private static async Task<int> ReadAtMostAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            }
            catch (IOException)
            {
                read = 0; // reset by the peer
            }
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }

    /// <summary>
    /// A ClientHello (RFC 5246 §7.4.1.2) with <paramref name="version"/> as client_version and no
    /// supported_versions extension, so it offers that version and nothing newer (RFC 8446 §4.2.1).
    /// Cipher suites and extensions a TLS 1.2 server accepts for an RSA certificate.
    /// </summary>
    private static byte[] ClientHello(ushort version)
    {
        var body = new List<byte>();
        AddUInt16(body, version);
        body.AddRange(RandomNumberGenerator.GetBytes(32));
        body.Add(0); // no session id
        ushort[] suites = [0xC02F, 0xC030, 0xC013, 0xC014, 0x009C, 0x002F, 0x0035];
        AddUInt16(body, (ushort)(suites.Length * 2));
        foreach (var suite in suites)
            AddUInt16(body, suite);
        body.Add(1); // one compression method:
        body.Add(0); // null

        var extensions = new List<byte>();
        AddExtension(extensions, 0x000a, [0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]); // supported_groups: x25519, secp256r1
        AddExtension(extensions, 0x000b, [0x01, 0x00]); // ec_point_formats: uncompressed
        AddExtension(extensions, 0x000d, [0x00, 0x06, 0x04, 0x01, 0x08, 0x04, 0x02, 0x01]); // signature_algorithms
        AddUInt16(body, (ushort)extensions.Count);
        body.AddRange(extensions);

        var handshake = new List<byte> { 0x01, 0, (byte)(body.Count >> 8), (byte)body.Count }; // client_hello, uint24 length
        handshake.AddRange(body);
        var record = new List<byte> { HandshakeRecord, 0x03, 0x01 }; // record layer version 1.0, as clients send for compatibility
        AddUInt16(record, (ushort)handshake.Count);
        record.AddRange(handshake);
        return [.. record];
    }

    private static void AddExtension(List<byte> extensions, ushort type, byte[] data)
    {
        AddUInt16(extensions, type);
        AddUInt16(extensions, (ushort)data.Length);
        extensions.AddRange(data);
    }

    private static void AddUInt16(List<byte> bytes, ushort value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
    }
}
