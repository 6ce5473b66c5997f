using System.Buffers;

namespace Mailflow.Fuzz.Targets;

/// <summary>
/// Cuts an input into the pieces a socket might deliver it in: the sizes come from a seed byte, so
/// the fuzzer explores the boundaries too. Parsers must give the same answer however the bytes arrive.
/// </summary>
internal static class Segments
{
    public static List<byte[]> Split(ReadOnlySpan<byte> input, byte seed)
    {
        var pieces = new List<byte[]>();
        var size = 1 + (seed % 13);
        for (var offset = 0; offset < input.Length;)
        {
            var length = Math.Min(size, input.Length - offset);
            pieces.Add(input.Slice(offset, length).ToArray());
            offset += length;
            size = 1 + ((size * 7 + seed) % 17);
        }
        return pieces;
    }

    /// <summary>The pieces as one multi-segment sequence (as a pipe hands over several buffers).</summary>
    public static ReadOnlySequence<byte> Sequence(IReadOnlyList<byte[]> pieces)
    {
        if (pieces.Count == 0)
            return ReadOnlySequence<byte>.Empty;
        var first = new Segment(pieces[0], 0);
        var last = first;
        foreach (var piece in pieces.Skip(1))
            last = last.Append(piece);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static byte[] Concat(IEnumerable<ReadOnlyMemory<byte>> slices)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var slice in slices)
            output.Write(slice.Span);
        return output.WrittenSpan.ToArray();
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
