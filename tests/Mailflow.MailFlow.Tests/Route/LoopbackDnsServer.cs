using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mailflow.MailFlow.Tests.Route;

/// <summary>
/// A tiny authoritative DNS server on 127.0.0.1 (UDP, port chosen by the kernel) that answers from a
/// script: MX, A and AAAA records, forced response codes (NXDOMAIN, SERVFAIL…) and names it never
/// answers (to provoke timeouts). RFC 1035 §4 wire format, no name compression in what it writes.
/// A name with no script at all is NXDOMAIN; a scripted name without records of the asked type is
/// NOERROR with an empty answer (NODATA).
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    public const ushort TypeA = 1;
    public const ushort TypeMx = 15;
    public const ushort TypeAaaa = 28;

    private readonly UdpClient socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<string, List<(ushort Type, byte[] Data)>> records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> responseCodes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> silent = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task loop;

    public LoopbackDnsServer() => loop = Task.Run(ServeAsync);

    public IPEndPoint EndPoint => (IPEndPoint)socket.Client.LocalEndPoint!;

    /// <summary>Every question received, as "name TYPE" (e.g. "fabrikam.example MX").</summary>
    public ConcurrentQueue<string> Questions { get; } = new();

    public LoopbackDnsServer Mx(string name, ushort preference, string exchange)
    {
        var data = new List<byte>();
        data.AddRange([(byte)(preference >> 8), (byte)preference]);
        data.AddRange(EncodeName(exchange));
        return Add(name, TypeMx, [.. data]);
    }

    /// <summary>RFC 7505 §3: one MX, preference 0, exchange the root ".".</summary>
    public LoopbackDnsServer NullMx(string name) => Mx(name, 0, ".");

    public LoopbackDnsServer A(string name, string address) => Add(name, TypeA, IPAddress.Parse(address).GetAddressBytes());

    public LoopbackDnsServer Aaaa(string name, string address) => Add(name, TypeAaaa, IPAddress.Parse(address).GetAddressBytes());

    /// <summary>The name exists but has no records (NOERROR, empty answers for every type).</summary>
    public LoopbackDnsServer Exists(string name)
    {
        records.GetOrAdd(name.TrimEnd('.'), _ => []);
        return this;
    }

    /// <summary>Answer every question about <paramref name="name"/> with this RCODE (2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED).</summary>
    public LoopbackDnsServer Rcode(string name, byte rcode)
    {
        responseCodes[name.TrimEnd('.')] = rcode;
        return this;
    }

    /// <summary>Never answer questions about <paramref name="name"/>.</summary>
    public LoopbackDnsServer Silent(string name)
    {
        silent[name.TrimEnd('.')] = true;
        return this;
    }

    private LoopbackDnsServer Add(string name, ushort type, byte[] data)
    {
        var list = records.GetOrAdd(name.TrimEnd('.'), _ => []);
        lock (list)
            list.Add((type, data));
        return this;
    }

    private async Task ServeAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await socket.ReceiveAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable from a client that gave up: keep serving.
            }
            var response = Answer(received.Buffer);
            if (response is not null)
                await socket.SendAsync(response, received.RemoteEndPoint, stopping.Token);
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12)
            return null;
        // Header (RFC 1035 §4.1.1), then the first question: labels, QTYPE, QCLASS. Additional records (EDNS OPT) are ignored.
        var offset = 12;
        var labels = new List<string>();
        while (offset < query.Length && query[offset] != 0)
        {
            var length = query[offset++];
            labels.Add(Encoding.ASCII.GetString(query, offset, length));
            offset += length;
        }
        offset++;
        var name = string.Join('.', labels);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        var questionEnd = offset + 4;
        Questions.Enqueue($"{name.ToLowerInvariant()} {TypeName(type)}");
        if (silent.ContainsKey(name))
            return null;

        byte rcode = 0;
        var answers = new List<(ushort Type, byte[] Data)>();
        if (responseCodes.TryGetValue(name, out var forced))
            rcode = forced;
        else if (records.TryGetValue(name, out var list))
            lock (list)
                answers.AddRange(list.Where(r => r.Type == type));
        else
            rcode = 3; // NXDOMAIN

        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray()); // ID
        var recursionDesired = (byte)(query[2] & 0x01);
        response.Add((byte)(0x80 | 0x04 | recursionDesired)); // QR, AA, RD copied
        response.Add((byte)(0x80 | rcode));                     // RA, RCODE
        response.AddRange([0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0]);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var (answerType, data) in answers)
        {
            response.AddRange(EncodeName(name));
            response.AddRange([(byte)(answerType >> 8), (byte)answerType, 0, 1]); // TYPE, CLASS IN
            response.AddRange([0, 0, 0x0e, 0x10]);                                // TTL 3600
            response.AddRange([(byte)(data.Length >> 8), (byte)data.Length]);
            response.AddRange(data);
        }
        return [.. response];
    }

    private static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    private static string TypeName(ushort type) => type switch
    {
        TypeA => "A",
        TypeMx => "MX",
        TypeAaaa => "AAAA",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        socket.Dispose();
        try
        {
            await loop;
        }
        catch (ObjectDisposedException)
        {
            // The socket closed under the pending receive: that is how the loop ends.
        }
        stopping.Dispose();
    }
}
