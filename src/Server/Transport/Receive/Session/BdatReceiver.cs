using System.Buffers;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// The BDAT chunk reader (RFC 3030), beside <see cref="DataReceiver"/>. It takes exactly the
/// announced number of octets off the input — never reading them as commands — and yields them as
/// content: any octets under BODY=BINARYMIME (§3), otherwise through <see cref="ChunkTextScanner"/>
/// with the same bare CR/LF policy as DATA, across chunk boundaries. The size limit is enforced while
/// streaming. A chunk can also be read only to be discarded (a refused or out-of-sequence BDAT), with
/// the reply to give when it ends.
/// </summary>
internal sealed class BdatReceiver
{
    private long _remaining;
    private long _chunkSize;
    private bool _last;
    private long _size;
    private long _maxSize;
    private bool _tooBig;
    private ChunkTextScanner? _text;
    private SmtpReply? _discardReply;
    private bool _discardIsProtocolError;

    /// <summary>A chunked message was refused before its LAST chunk: chunks the client already pipelined are expected (and drained, §2).</summary>
    public bool RefusedMidMessage { get; set; }

    /// <summary>Content octets of the current message so far.</summary>
    public long Size => _size;

    /// <summary>Octets of the current chunk still to read.</summary>
    public long Remaining => _remaining;

    private bool Failed => _tooBig || _text?.Failed == true;

    /// <summary>Starts a chunked message (its first BDAT).</summary>
    public void BeginMessage(BodyType body, BareLineEndingPolicy bareLineEndings, long maxSize)
    {
        _size = 0;
        _tooBig = false;
        _maxSize = maxSize;
        _text = body == BodyType.BinaryMime ? null : new ChunkTextScanner(bareLineEndings);
    }

    public void EndMessage()
    {
        _size = 0;
        _tooBig = false;
        _text = null;
    }

    public void BeginChunk(BdatCommand bdat)
    {
        _remaining = bdat.Size;
        _chunkSize = bdat.Size;
        _last = bdat.Last;
        _discardReply = null;
    }

    /// <summary>Reads the chunk's octets only to throw them away, then answers <paramref name="reply"/>.</summary>
    public void BeginDiscard(BdatCommand bdat, SmtpReply reply, bool? protocolError = null)
    {
        _remaining = bdat.Size;
        _discardReply = reply;
        _discardIsProtocolError = protocolError ?? reply.Code == 503;
    }

    /// <summary>Takes up to the rest of the chunk from <paramref name="buffer"/>; appends its content to <paramref name="content"/> (unless discarding or already failed).</summary>
    /// <returns>How many octets were taken.</returns>
    public long Take(ReadOnlySequence<byte> buffer, List<ReadOnlyMemory<byte>> content)
    {
        var take = Math.Min(_remaining, buffer.Length);
        if (take > 0 && _discardReply is null)
            Collect(buffer.Slice(0, take), content);
        _remaining -= take;
        return take;
    }

    private void Collect(ReadOnlySequence<byte> chunk, List<ReadOnlyMemory<byte>> content)
    {
        foreach (var memory in chunk)
        {
            if (Failed)
                return;
            var first = content.Count;
            if (_text is null)
                content.Add(memory); // BINARYMIME: any octets (RFC 3030 §3)
            else
                _text.Scan(memory, content);
            Count(content, first);
        }
    }

    /// <summary>Adds the slices appended since <paramref name="first"/> to the message size, or drops them when it grows too big.</summary>
    private void Count(List<ReadOnlyMemory<byte>> content, int first)
    {
        long added = 0;
        for (var i = first; i < content.Count; i++)
            added += content[i].Length;
        if (_size + added > _maxSize)
        {
            _tooBig = true;
            content.RemoveRange(first, content.Count - first);
            return;
        }
        _size += added;
    }

    /// <summary>What the end of the current chunk means.</summary>
    /// <param name="content">Receives the text scanner's withheld tail at the LAST chunk.</param>
    /// <param name="sinkFailed">The store failed while the chunk was written: the message fails.</param>
    public ChunkEnd Finish(List<ReadOnlyMemory<byte>> content, bool sinkFailed)
    {
        if (_discardReply is { } discardReply)
        {
            _discardReply = null;
            return new ChunkEnd(ChunkEndKind.Discarded, discardReply, _discardIsProtocolError);
        }
        if (_last && _text is not null && !Failed && !sinkFailed)
        {
            var first = content.Count;
            _text.Complete(content);
            Count(content, first);
        }
        if (!_last && !Failed && !sinkFailed)
            return new ChunkEnd(ChunkEndKind.MoreExpected, SmtpReplies.ChunkReceived(_chunkSize), false);
        // RFC 3030 §2: a failed chunk fails the whole transaction; chunks the client pipelined
        // behind the failed one are drained.
        RefusedMidMessage = !_last;
        var refusal = _tooBig ? SmtpReplies.MessageTooBig
            : _text?.Failed == true ? SmtpReplies.BareLineEnding
            : null;
        return new ChunkEnd(ChunkEndKind.MessageComplete, refusal, false);
    }
}

internal enum ChunkEndKind
{
    /// <summary>A discarded chunk ended: answer the reply.</summary>
    Discarded,
    /// <summary>Not the LAST chunk: answer 250 and wait for the next BDAT.</summary>
    MoreExpected,
    /// <summary>The LAST chunk (or a failure): complete the transaction; the reply is the refusal, if any.</summary>
    MessageComplete,
}

internal readonly record struct ChunkEnd(ChunkEndKind Kind, SmtpReply? Reply, bool ProtocolError);
