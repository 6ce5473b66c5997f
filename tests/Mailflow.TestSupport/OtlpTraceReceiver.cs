using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Mailflow.TestSupport;

/// <summary>A span as an OTLP collector received it: ids in hex, string-valued attributes, links as (trace id, span id).</summary>
public sealed record ReceivedSpan(
    string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<(string TraceId, string SpanId)> Links, string ServiceName);

/// <summary>
/// A loopback OTLP/HTTP collector for traces (<c>POST /v1/traces</c>, <c>application/x-protobuf</c>): decodes each
/// <c>ExportTraceServiceRequest</c> with a small protobuf wire reader (the fields of opentelemetry-proto's
/// trace/v1 and common/v1 the tests look at) and keeps the spans. Answers 200 with an empty response.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly Task _serving;

    public OtlpTraceReceiver()
    {
        Port = FreePort.Get();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The collector's base address, as <c>Mailflow:Telemetry:OtlpEndpoint</c> takes it.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    /// <summary>Requests that were not OTLP traces as expected (wrong path, content type, undecodable body).</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>Polls until <paramref name="done"/> holds for the spans received so far, within <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(Func<IReadOnlyList<ReceivedSpan>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var spans = Spans;
            if (done(spans))
                return spans;
            await Task.Delay(100);
        }
        var last = Spans;
        throw new TimeoutException($"the expected spans did not arrive within {timeout.TotalSeconds:0} s; got {last.Count}: "
            + string.Join(", ", last.Select(s => s.Name)) + (Errors.Count > 0 ? "; errors: " + string.Join("; ", Errors) : ""));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/v1/traces"
                    || context.Request.ContentType?.StartsWith("application/x-protobuf", StringComparison.Ordinal) != true)
                {
                    _errors.Enqueue($"{context.Request.HttpMethod} {context.Request.Url?.AbsolutePath} ({context.Request.ContentType})");
                    context.Response.StatusCode = 404;
                }
                else
                {
                    foreach (var span in DecodeRequest(body.ToArray()))
                        _spans.Enqueue(span);
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/x-protobuf";
                }
            }
            catch (Exception exception) when (exception is FormatException or IndexOutOfRangeException or ArgumentException or IOException)
            {
                _errors.Enqueue(exception.Message);
                context.Response.StatusCode = 400;
            }
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private static IEnumerable<ReceivedSpan> DecodeRequest(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1)
                continue;
            var service = "";
            var scopes = new List<byte[]>();
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            foreach (var (f, value) in Fields(resourceSpans))
            {
                if (f == 1)
                    service = Attributes(Fields(value).Where(a => a.Field == 1).Select(a => a.Value)).GetValueOrDefault("service.name", "");
                else if (f == 2)
                    scopes.Add(value);
            }
            // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
            foreach (var scope in scopes)
                spans.AddRange(Fields(scope).Where(s => s.Field == 2).Select(s => DecodeSpan(s.Value, service)));
        }
        return spans;
    }

    // Span { trace_id = 1; span_id = 2; parent_span_id = 4; name = 5; kind = 6 (varint); attributes = 9; links = 13; }
    private static ReceivedSpan DecodeSpan(byte[] span, string service)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var attributes = new List<byte[]>();
        var links = new List<(string, string)>();
        var reader = new WireReader(span);
        while (reader.TryNext(out var field, out var wireType))
        {
            if (wireType == 0)
            {
                var number = reader.Varint();
                if (field == 6)
                    kind = (int)number;
                continue;
            }
            if (wireType != 2)
            {
                reader.Skip(wireType);
                continue;
            }
            var value = reader.Bytes();
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 9: attributes.Add(value); break;
                case 13:
                    // Link { trace_id = 1; span_id = 2; }
                    var linkFields = Fields(value).ToList();
                    links.Add((Convert.ToHexStringLower(linkFields.FirstOrDefault(l => l.Field == 1).Value ?? []),
                        Convert.ToHexStringLower(linkFields.FirstOrDefault(l => l.Field == 2).Value ?? [])));
                    break;
            }
        }
        return new ReceivedSpan(traceId, spanId, parent, name, kind, Attributes(attributes), links, service);
    }

    // KeyValue { string key = 1; AnyValue value = 2; } AnyValue { string = 1; bool = 2; int = 3; double = 4 (fixed64) }
    private static Dictionary<string, string> Attributes(IEnumerable<byte[]> keyValues)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in keyValues)
        {
            string? key = null, text = null;
            foreach (var (f, value) in Fields(keyValue))
            {
                if (f == 1)
                    key = Encoding.UTF8.GetString(value);
                else if (f == 2)
                    text = AnyValue(value);
            }
            if (key is not null)
                attributes[key] = text ?? "";
        }
        return attributes;
    }

    private static string AnyValue(byte[] anyValue)
    {
        var reader = new WireReader(anyValue);
        while (reader.TryNext(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, 2): return Encoding.UTF8.GetString(reader.Bytes());
                case (2, 0): return reader.Varint() != 0 ? "true" : "false";
                case (3, 0): return ((long)reader.Varint()).ToString(System.Globalization.CultureInfo.InvariantCulture);
                case (4, 1): return BitConverter.Int64BitsToDouble((long)reader.Fixed64()).ToString(System.Globalization.CultureInfo.InvariantCulture);
                default: reader.Skip(wireType); break;
            }
        }
        return "";
    }

    /// <summary>The length-delimited fields of a message (the only kind holding nested messages, strings and bytes).</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var reader = new WireReader(message);
        var fields = new List<(int, byte[])>();
        while (reader.TryNext(out var field, out var wireType))
        {
            if (wireType == 2)
                fields.Add((field, reader.Bytes()));
            else
                reader.Skip(wireType);
        }
        return fields;
    }

    /// <summary>Protocol Buffers' wire format (https://protobuf.dev/programming-guides/encoding/): tags, varints, fixed and length-delimited values.</summary>
    private sealed class WireReader(byte[] data)
    {
        private int _position;

        public bool TryNext(out int field, out int wireType)
        {
            field = wireType = 0;
            if (_position >= data.Length)
                return false;
            var tag = Varint();
            field = (int)(tag >> 3);
            wireType = (int)(tag & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                    return value;
            }
            throw new FormatException("varint longer than 10 bytes");
        }

        public ulong Fixed64()
        {
            var value = BitConverter.ToUInt64(data, _position);
            _position += 8;
            return value;
        }

        public byte[] Bytes()
        {
            var length = checked((int)Varint());
            if (length < 0 || _position + length > data.Length)
                throw new FormatException("length-delimited field runs past the message");
            var value = data.AsSpan(_position, length).ToArray();
            _position += length;
            return value;
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0: Varint(); break;
                case 1: _position += 8; break;
                case 2: Bytes(); break;
                case 5: _position += 4; break;
                default: throw new FormatException($"wire type {wireType} is not supported");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The listener is closed; the loop ends with it.
        }
    }
}
