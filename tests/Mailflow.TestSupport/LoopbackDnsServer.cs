using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mailflow.TestSupport;

/// <summary>
/// A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on the same port, chosen by the kernel)
/// that answers from a script: MX, A, AAAA, TXT, PTR, CNAME and TLSA records (each with its TTL), the AD
/// bit for names scripted as DNSSEC-validated, forced
/// response codes (NXDOMAIN, SERVFAIL…) and names it never answers (to provoke timeouts). RFC 1035 §4
/// wire format, no name compression in what it writes. A name with no script at all is NXDOMAIN; a
/// scripted name without records of the asked type is NOERROR with an empty answer (NODATA). A CNAME
/// is answered for every question type, followed by the target's records of the asked type when the
/// target is scripted (as a recursive resolver would). A UDP answer over 512 octets is sent truncated
/// (TC bit, no records) so the client retries over TCP (RFC 1035 §4.2.1, RFC 7766).
/// Shared by every test that needs DNS (MX routing, SPF/DKIM/DMARC, DNS block lists).
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    public const ushort TypeA = 1;
    public const ushort TypeCname = 5;
    public const ushort TypePtr = 12;
    public const ushort TypeMx = 15;
    public const ushort TypeTxt = 16;
    public const ushort TypeAaaa = 28;
    public const ushort TypeTlsa = 52;
    public const uint DefaultTtl = 3600;

    private readonly UdpClient socket;
    private readonly TcpListener tcp;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<string, List<(ushort Type, byte[] Data, uint Ttl)>> records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> responseCodes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> silent = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> authenticated = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task loop;
    private readonly Task tcpLoop;

    public LoopbackDnsServer()
    {
        // The TCP listener takes the port the kernel gave the UDP socket; retry if that port is busy on TCP.
        for (var attempt = 0; ; attempt++)
        {
            var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                socket = udp;
                tcp = listener;
                break;
            }
            catch (SocketException) when (attempt < 20)
            {
                udp.Dispose();
            }
        }
        loop = Task.Run(ServeAsync);
        tcpLoop = Task.Run(ServeTcpAsync);
    }

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

    public LoopbackDnsServer A(string name, string address, uint ttl = DefaultTtl) => Add(name, TypeA, IPAddress.Parse(address).GetAddressBytes(), ttl);

    public LoopbackDnsServer Aaaa(string name, string address, uint ttl = DefaultTtl) => Add(name, TypeAaaa, IPAddress.Parse(address).GetAddressBytes(), ttl);

    /// <summary>A TXT record; <paramref name="text"/> is split into character-strings of at most 255 octets (RFC 7208 §3.3).</summary>
    public LoopbackDnsServer Txt(string name, string text, uint ttl = DefaultTtl)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var data = new List<byte>();
        for (var offset = 0; offset < bytes.Length || offset == 0; offset += 255)
        {
            var length = Math.Min(255, bytes.Length - offset);
            data.Add((byte)length);
            data.AddRange(bytes.AsSpan(offset, length).ToArray());
            if (bytes.Length == 0)
                break;
        }
        return Add(name, TypeTxt, [.. data], ttl);
    }

    /// <summary>A TXT record made of exactly these character-strings (to test how they are joined).</summary>
    public LoopbackDnsServer TxtStrings(string name, params string[] strings)
    {
        var data = new List<byte>();
        foreach (var part in strings)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            data.Add((byte)bytes.Length);
            data.AddRange(bytes);
        }
        return Add(name, TypeTxt, [.. data], DefaultTtl);
    }

    /// <summary>A PTR record: <paramref name="address"/> (an IP) → <paramref name="target"/>, under in-addr.arpa / ip6.arpa.</summary>
    public LoopbackDnsServer Ptr(string address, string target, uint ttl = DefaultTtl) =>
        Add(ReverseName(IPAddress.Parse(address)), TypePtr, EncodeName(target), ttl);

    public LoopbackDnsServer Cname(string name, string target, uint ttl = DefaultTtl) => Add(name, TypeCname, EncodeName(target), ttl);

    /// <summary>A TLSA record (RFC 6698 §2.1): usage, selector, matching type and the association data.</summary>
    public LoopbackDnsServer Tlsa(string name, byte usage, byte selector, byte matchingType, byte[] data, uint ttl = DefaultTtl) =>
        Add(name, TypeTlsa, [usage, selector, matchingType, .. data], ttl);

    /// <summary>
    /// Answers about <paramref name="name"/> carry the AD bit (RFC 4035 §3.2.3): what a validating
    /// resolver says of DNSSEC-secure data. Without it the answers are "insecure".
    /// </summary>
    public LoopbackDnsServer Authenticated(string name)
    {
        authenticated[name.TrimEnd('.')] = true;
        return this;
    }

    /// <summary>Removes every record and scripted behaviour of <paramref name="name"/> (it becomes NXDOMAIN).</summary>
    public LoopbackDnsServer Remove(string name)
    {
        records.TryRemove(name.TrimEnd('.'), out _);
        responseCodes.TryRemove(name.TrimEnd('.'), out _);
        silent.TryRemove(name.TrimEnd('.'), out _);
        authenticated.TryRemove(name.TrimEnd('.'), out _);
        return this;
    }

    /// <summary>The reverse-lookup name of an address (RFC 1035 §3.5, RFC 3596 §2.5).</summary>
    public static string ReverseName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return string.Join('.', bytes.Reverse().Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ".in-addr.arpa";
        var nibbles = bytes.SelectMany(b => new[] { b >> 4, b & 0xF }).Reverse().Select(n => n.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        return string.Join('.', nibbles) + ".ip6.arpa";
    }

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

    private LoopbackDnsServer Add(string name, ushort type, byte[] data, uint ttl = DefaultTtl)
    {
        var list = records.GetOrAdd(name.TrimEnd('.'), _ => []);
        lock (list)
            list.Add((type, data, ttl));
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
            if (response is null)
                continue;
            if (response.Length > 512)
                response = Truncated(response);
            await socket.SendAsync(response, received.RemoteEndPoint, stopping.Token);
        }
    }

    private async Task ServeTcpAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await tcp.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped (InvalidOperationException: stopped before this loop's first accept, by a test that ended at once).
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        var prefix = new byte[2];
                        await stream.ReadExactlyAsync(prefix, stopping.Token);
                        var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                        await stream.ReadExactlyAsync(query, stopping.Token);
                        TcpQueries++;
                        var response = Answer(query);
                        if (response is null)
                            return;
                        var framed = new byte[response.Length + 2];
                        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
                        response.CopyTo(framed, 2);
                        await stream.WriteAsync(framed, stopping.Token);
                    }
                    catch (Exception exception) when (exception is IOException or OperationCanceledException or SocketException or EndOfStreamException)
                    {
                        // A client that went away; nothing to answer.
                    }
                }
            });
        }
    }

    /// <summary>How many queries arrived over TCP (truncation fallback).</summary>
    public int TcpQueries { get; private set; }

    /// <summary>The header and question of <paramref name="response"/>, TC set, no records.</summary>
    private static byte[] Truncated(byte[] response)
    {
        var offset = 12;
        while (response[offset] != 0)
            offset += response[offset] + 1;
        var questionEnd = offset + 5;
        var truncated = response.AsSpan(0, questionEnd).ToArray();
        truncated[2] |= 0x02; // TC
        truncated[6] = truncated[7] = 0; // ANCOUNT 0
        return truncated;
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
        var answers = new List<(string Owner, ushort Type, byte[] Data, uint Ttl)>();
        if (responseCodes.TryGetValue(name, out var forced))
            rcode = forced;
        else if (records.TryGetValue(name, out var list))
        {
            List<(ushort Type, byte[] Data, uint Ttl)> own;
            lock (list)
                own = [.. list];
            var cname = own.FirstOrDefault(r => r.Type == TypeCname);
            if (cname.Data is not null && type != TypeCname)
            {
                answers.Add((name, TypeCname, cname.Data, cname.Ttl));
                var target = DecodeName(cname.Data);
                if (records.TryGetValue(target, out var targetList))
                    lock (targetList)
                        answers.AddRange(targetList.Where(r => r.Type == type).Select(r => (target, r.Type, r.Data, r.Ttl)));
            }
            else
                answers.AddRange(own.Where(r => r.Type == type).Select(r => (name, r.Type, r.Data, r.Ttl)));
        }
        else
            rcode = 3; // NXDOMAIN

        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray()); // ID
        var recursionDesired = (byte)(query[2] & 0x01);
        response.Add((byte)(0x80 | 0x04 | recursionDesired)); // QR, AA, RD copied
        var authenticData = authenticated.ContainsKey(name) ? (byte)0x20 : (byte)0;
        response.Add((byte)(0x80 | authenticData | rcode));    // RA, AD when scripted, RCODE
        response.AddRange([0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0]);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var (owner, answerType, data, ttl) in answers)
        {
            response.AddRange(EncodeName(owner));
            response.AddRange([(byte)(answerType >> 8), (byte)answerType, 0, 1]); // TYPE, CLASS IN
            response.AddRange([(byte)(ttl >> 24), (byte)(ttl >> 16), (byte)(ttl >> 8), (byte)ttl]);
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

    private static string DecodeName(byte[] encoded)
    {
        var labels = new List<string>();
        var offset = 0;
        while (offset < encoded.Length && encoded[offset] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(encoded, offset + 1, encoded[offset]));
            offset += encoded[offset] + 1;
        }
        return string.Join('.', labels);
    }

    private static string TypeName(ushort type) => type switch
    {
        TypeA => "A",
        TypeCname => "CNAME",
        TypePtr => "PTR",
        TypeMx => "MX",
        TypeTxt => "TXT",
        TypeAaaa => "AAAA",
        TypeTlsa => "TLSA",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        socket.Dispose();
        tcp.Stop();
        await tcpLoop;
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
