using System.Buffers;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Server.Transport.Receive.Session;
using Mailflow.Smtp;

namespace Mailflow.Fuzz.Targets;

/// <summary>
/// The BDAT reader (RFC 3030): the message arrives as chunks of announced sizes, each read in pieces.
/// The first byte picks the body type, the bare-line-ending policy, the size limit and the chunking.
/// Promises: the same content and verdict however the message is chunked and however the chunks
/// arrive; BINARYMIME content is the octets sent, unchanged; normalized text has no bare CR or LF;
/// nothing beyond the size limit is kept.
/// </summary>
public sealed class BdatReaderTarget : IFuzzTarget
{
    public string Name => "bdat";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
            return;
        var options = input[0];
        var policy = (options & 1) == 0 ? BareLineEndingPolicy.Reject : BareLineEndingPolicy.Normalize;
        var body = (options & 2) == 0 ? BodyType.EightBitMime : BodyType.BinaryMime;
        var maxSize = (options & 4) == 0 ? 1 << 20 : 64;
        var message = input[2..];

        var oneChunk = Read([message.ToArray()], input[1], policy, body, maxSize);
        var chunks = Read(Segments.Split(message, input[1]), (byte)(input[1] + 5), policy, body, maxSize);
        FuzzTargets.Require(oneChunk == chunks, "the same message in other chunks reads the same");
        if (oneChunk.Refusal is null)
        {
            var bytes = Convert.FromHexString(oneChunk.Content);
            if (body == BodyType.BinaryMime)
                FuzzTargets.Require(bytes.AsSpan().SequenceEqual(message), "BINARYMIME content is stored as sent");
            else if (policy == BareLineEndingPolicy.Normalize)
                DataReaderTarget.RequireCrlfOnly(bytes, int.MaxValue - 2);
            else
                FuzzTargets.Require(bytes.AsSpan().SequenceEqual(message), "text content without bare line endings is stored as sent");
        }
    }

    private sealed record Result(string Content, string? Refusal);

    private static Result Read(IReadOnlyList<byte[]> chunks, byte arrivalSeed, BareLineEndingPolicy policy, BodyType body, long maxSize)
    {
        var reader = new BdatReceiver();
        reader.BeginMessage(body, policy, maxSize);
        var content = new List<ReadOnlyMemory<byte>>();
        for (var c = 0; c < chunks.Count; c++)
        {
            var last = c == chunks.Count - 1;
            reader.BeginChunk(new BdatCommand(chunks[c].Length, last));
            foreach (var piece in Segments.Split(chunks[c], arrivalSeed))
            {
                var slices = new List<ReadOnlyMemory<byte>>();
                var taken = reader.Take(new ReadOnlySequence<byte>(piece), slices);
                FuzzTargets.Require(taken == piece.Length, "a chunk's octets are all taken");
                content.AddRange(slices.Select(s => (ReadOnlyMemory<byte>)s.ToArray()));
            }
            FuzzTargets.Require(reader.Remaining == 0, "nothing of the chunk is left");
            var tail = new List<ReadOnlyMemory<byte>>();
            var end = reader.Finish(tail, sinkFailed: false);
            content.AddRange(tail.Select(s => (ReadOnlyMemory<byte>)s.ToArray()));
            FuzzTargets.Require(Segments.Concat(content).Length <= maxSize, "nothing beyond the size limit is kept");
            if (end.Kind == ChunkEndKind.MoreExpected)
            {
                FuzzTargets.Require(!last, "the LAST chunk completes the message");
                continue;
            }
            if (end.Reply is { } refusal)
                return new Result("", refusal.ToString());
            FuzzTargets.Require(last, "only the LAST chunk completes an accepted message");
        }
        return new Result(Convert.ToHexString(Segments.Concat(content)), null);
    }
}
