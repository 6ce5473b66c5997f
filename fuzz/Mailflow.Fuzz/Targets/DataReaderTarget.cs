using System.Buffers;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Session;

namespace Mailflow.Fuzz.Targets;

/// <summary>
/// The DATA reader (dot-unstuffing, end of data, bare CR/LF, line and size limits). The first byte picks
/// the bare-line-ending policy, the limits and how the stream is cut. Promises: the same content and
/// end whatever the pieces; the end is only ever CRLF "." CRLF; the content never exceeds the size
/// limit; stored content has no bare CR or LF and no line over the limit; a failed message keeps no content.
/// </summary>
public sealed class DataReaderTarget : IFuzzTarget
{
    public string Name => "data";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0)
            return;
        var options = input[0];
        var policy = (options & 1) == 0 ? BareLineEndingPolicy.Reject : BareLineEndingPolicy.Normalize;
        var maxLine = (options & 2) == 0 ? 998 : 16;
        var maxSize = (options & 4) == 0 ? 1 << 20 : 64;
        var stream = input[1..];

        var whole = Read(stream.ToArray(), [stream.ToArray()], maxSize, maxLine, policy);
        var split = Read(stream.ToArray(), Segments.Split(stream, options), maxSize, maxLine, policy);
        FuzzTargets.Require(whole == split, "the same bytes in other pieces read the same");
    }

    private sealed record Result(bool Ended, long ConsumedAt, string Content, ContentFailure Failure, long Size);

    private static Result Read(byte[] stream, IReadOnlyList<byte[]> arrivals, long maxSize, int maxLine, BareLineEndingPolicy policy)
    {
        var reader = new DataReceiver(maxSize, maxLine, policy);
        var content = new List<ReadOnlyMemory<byte>>();
        long offset = 0;
        var ended = false;
        foreach (var arrival in arrivals)
        {
            // Each arrival is scanned once (the session consumes what the reader consumed); slices are copied at once.
            var slices = new List<ReadOnlyMemory<byte>>();
            ended = reader.Scan(new ReadOnlySequence<byte>(arrival), slices, out var consumed);
            content.AddRange(slices.Select(s => (ReadOnlyMemory<byte>)s.ToArray()));
            var taken = new ReadOnlySequence<byte>(arrival).Slice(0, consumed).Length;
            offset += taken;
            if (ended)
                break;
        }
        var bytes = Segments.Concat(content);
        if (ended)
            FuzzTargets.Require(offset >= 3 && stream.AsSpan((int)offset - 3, 3).SequenceEqual(".\r\n"u8)
                && (offset == 3 || stream.AsSpan((int)offset - 5, 2).SequenceEqual("\r\n"u8)), "the end of data is CRLF . CRLF (or . CRLF first)");
        FuzzTargets.Require(bytes.Length <= maxSize, "the content stays within the size limit");
        if (reader.Failure != ContentFailure.None)
            return new Result(ended, offset, "", reader.Failure, 0);
        FuzzTargets.Require(bytes.Length == reader.Size, "Size counts the content");
        if (policy == BareLineEndingPolicy.Normalize && ended)
            RequireCrlfOnly(bytes, maxLine);
        return new Result(ended, offset, Convert.ToHexString(bytes), reader.Failure, reader.Size);
    }

    /// <summary>Stored content: every CR followed by LF and every LF preceded by CR, and no line over the limit.</summary>
    internal static void RequireCrlfOnly(byte[] bytes, int maxLine)
    {
        var lineStart = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\r')
                FuzzTargets.Require(i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n', "no bare CR in stored content");
            if (bytes[i] != (byte)'\n')
                continue;
            FuzzTargets.Require(i > 0 && bytes[i - 1] == (byte)'\r', "no bare LF in stored content");
            FuzzTargets.Require(i + 1 - lineStart <= maxLine + 2, "no line over the limit in stored content");
            lineStart = i + 1;
        }
    }
}
