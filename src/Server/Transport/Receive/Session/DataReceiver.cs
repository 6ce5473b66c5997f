using System.Buffers;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>Why a message's content was refused, reported after draining: too big whenever it is, otherwise the first failure.</summary>
public enum ContentFailure
{
    None,
    /// <summary>A bare CR or LF (SMTP smuggling, CVE-2023-51766) under <see cref="BareLineEndingPolicy.Reject"/>.</summary>
    BareLineEnding,
    /// <summary>A text line over the limit (RFC 5321 §4.5.3.1.6).</summary>
    LineTooLong,
    /// <summary>The message outgrew the connector's maximum size while streaming.</summary>
    TooBig,
}

/// <summary>
/// The DATA content scanner (RFC 5321 §4.1.1.4, §4.5.2). Fed the session's input buffer as it
/// arrives; yields dot-unstuffed content as slices of that buffer (no copy, no accumulation) and
/// finds the end of data.
/// <para>
/// End of data is <c>&lt;CRLF&gt;.&lt;CRLF&gt;</c> and nothing else. A line starts only after a real
/// CRLF, so <c>&lt;LF&gt;.&lt;LF&gt;</c>, <c>&lt;LF&gt;.&lt;CRLF&gt;</c>, <c>&lt;CR&gt;.&lt;CR&gt;</c>,
/// <c>&lt;CRLF&gt;.&lt;CR&gt;</c> and <c>&lt;CRLF&gt;.&lt;LF&gt;</c> never end a message (the SMTP
/// smuggling family, CVE-2023-51766; go-smtp TestServer_smtpSmuggling). A bare CR or LF either fails
/// the message (<see cref="BareLineEndingPolicy.Reject"/>, Postfix CLEANUP_STAT_BARE_LF) or is
/// stored as CRLF (<see cref="BareLineEndingPolicy.Normalize"/>) — and even then does not start a
/// line, so a following dot is neither unstuffed nor an end marker.
/// </para>
/// <para>
/// Limits are enforced while streaming: once the message is too big, has a too-long line or a
/// refused bare line ending, nothing more is emitted, but scanning goes on to the real end of data
/// so the session stays in sync with the client (drain, don't buffer).
/// </para>
/// </summary>
public sealed class DataReceiver(long maxMessageSize, int maxLineLength, BareLineEndingPolicy bareLineEndings)
{
    private static readonly ReadOnlyMemory<byte> Crlf = "\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Lf = "\n"u8.ToArray();

    private enum Phase
    {
        LineStart,
        /// <summary>A dot at line start, dropped: unstuffing, or the end marker if CRLF follows.</summary>
        Dot,
        InLine,
        /// <summary>CR inside a line (already emitted), waiting for LF.</summary>
        Cr,
        /// <summary>"." CR at line start (both withheld), waiting for LF: the end of data.</summary>
        DotCr,
    }

    private readonly bool _normalize = bareLineEndings == BareLineEndingPolicy.Normalize;
    private Phase _phase = Phase.LineStart;
    private int _lineLength;

    /// <summary>Content octets of the message as sent (after unstuffing), kept or not.</summary>
    private long _contentOctets;

    /// <summary>Content octets accepted so far (after unstuffing).</summary>
    public long Size { get; private set; }

    public ContentFailure Failure { get; private set; }

    /// <summary>
    /// Scans <paramref name="buffer"/>, appending content slices to <paramref name="content"/>.
    /// </summary>
    /// <param name="consumed">After the end-of-data line when found, otherwise the buffer's end.</param>
    /// <returns>True when <c>&lt;CRLF&gt;.&lt;CRLF&gt;</c> was found.</returns>
    public bool Scan(ReadOnlySequence<byte> buffer, List<ReadOnlyMemory<byte>> content, out SequencePosition consumed)
    {
        long offset = 0;
        foreach (var memory in buffer)
        {
            if (ScanSegment(memory, content, out var endIndex))
            {
                consumed = buffer.GetPosition(offset + endIndex);
                return true;
            }
            offset += memory.Length;
        }
        consumed = buffer.End;
        return false;
    }

    private bool ScanSegment(ReadOnlyMemory<byte> memory, List<ReadOnlyMemory<byte>> content, out int endIndex)
    {
        var span = memory.Span;
        var runStart = 0;
        var i = 0;
        while (i < span.Length)
        {
            var b = span[i];
            switch (_phase)
            {
                case Phase.LineStart:
                    _lineLength = 0;
                    if (b == (byte)'.')
                    {
                        Emit(memory[runStart..i], content);
                        runStart = i + 1;
                        _phase = Phase.Dot;
                        CountLine(1);
                        i++;
                    }
                    else
                    {
                        _phase = Phase.InLine;
                    }
                    break;

                case Phase.Dot:
                    if (b == (byte)'\r')
                    {
                        CountLine(1);
                        i++;
                        runStart = i; // withhold the CR until we know whether LF follows
                        _phase = Phase.DotCr;
                    }
                    else
                    {
                        _phase = Phase.InLine; // the dot was stuffing: it stays dropped
                    }
                    break;

                case Phase.InLine:
                    var next = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
                    if (next < 0)
                    {
                        CountLine(span.Length - i);
                        i = span.Length;
                        break;
                    }
                    CountLine(next + 1);
                    i += next;
                    if (span[i] == (byte)'\r')
                    {
                        _phase = Phase.Cr;
                        i++;
                        break;
                    }
                    // A bare LF: never a line end.
                    if (_normalize)
                    {
                        Emit(memory[runStart..i], content);
                        Emit(Crlf, content);
                        runStart = i + 1;
                        _lineLength = 0;
                    }
                    else
                    {
                        Fail(ContentFailure.BareLineEnding);
                    }
                    i++;
                    break;

                case Phase.Cr:
                    if (b == (byte)'\n')
                    {
                        CountLine(1);
                        i++;
                        _phase = Phase.LineStart;
                        break;
                    }
                    // A bare CR (already emitted with the run): add the LF it lacks, or refuse.
                    if (_normalize)
                    {
                        Emit(memory[runStart..i], content);
                        Emit(Lf, content);
                        runStart = i;
                        _lineLength = 0;
                    }
                    else
                    {
                        Fail(ContentFailure.BareLineEnding);
                    }
                    _phase = Phase.InLine;
                    break;

                case Phase.DotCr:
                    if (b == (byte)'\n')
                    {
                        endIndex = i + 1;
                        return true;
                    }
                    // "." CR <not LF>: the dot was stuffing, the CR is bare.
                    if (_normalize)
                    {
                        Emit(Crlf, content);
                        runStart = i;
                        _lineLength = 0;
                    }
                    else
                    {
                        Fail(ContentFailure.BareLineEnding);
                    }
                    _phase = Phase.InLine;
                    break;
            }
        }
        Emit(memory[runStart..], content);
        endIndex = -1;
        return false;
    }

    private void CountLine(int octets)
    {
        _lineLength += octets;
        if (_lineLength > maxLineLength)
            Fail(ContentFailure.LineTooLong);
    }

    private void Emit(ReadOnlyMemory<byte> slice, List<ReadOnlyMemory<byte>> content)
    {
        if (slice.IsEmpty)
            return;
        // Counted even after another failure: runs are emitted when a segment ends, so whether a bare line
        // ending or an over-long line is found before the size is passed depends on how the bytes arrived.
        // Too big wins whenever the message is, so the reply does not depend on the network's packets.
        _contentOctets += slice.Length;
        if (_contentOctets > maxMessageSize)
        {
            Failure = ContentFailure.TooBig;
            return;
        }
        if (Failure != ContentFailure.None)
            return;
        content.Add(slice);
        Size += slice.Length;
    }

    private void Fail(ContentFailure failure)
    {
        if (Failure == ContentFailure.None)
            Failure = failure;
    }
}
