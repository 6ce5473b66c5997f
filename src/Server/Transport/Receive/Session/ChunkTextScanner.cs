using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// The line-ending check for BDAT content that is not <c>BODY=BINARYMIME</c>. RFC 3030 §3 lets only
/// BINARYMIME carry arbitrary octets; any other chunked message is still RFC 5322 text whose lines
/// end in CRLF (RFC 5322 §2.3, RFC 5321 §2.3.8). The content is stored and relayed as it is, so a
/// bare CR or LF here is the same SMTP smuggling vector (CVE-2023-51766) the DATA path refuses: a
/// next hop that takes LF as a line end would read <c>&lt;LF&gt;.&lt;LF&gt;</c> as the end of data.
/// <para>
/// Applies the connector's <see cref="BareLineEndingPolicy"/> exactly as <see cref="DataReceiver"/>
/// does: refuse (the first bare line ending marks the message failed and nothing more is emitted),
/// or emit it as CRLF. The scanner is fed every segment of every chunk of one message in order, so
/// a CR at the end of one chunk and the LF at the start of the next is one CRLF.
/// </para>
/// </summary>
public sealed class ChunkTextScanner(BareLineEndingPolicy bareLineEndings)
{
    private static readonly ReadOnlyMemory<byte> Crlf = "\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Lf = "\n"u8.ToArray();

    private readonly bool _normalize = bareLineEndings == BareLineEndingPolicy.Normalize;

    /// <summary>The last octet seen was a CR (already emitted); the next must be LF.</summary>
    private bool _pendingCr;

    /// <summary>True once a bare CR or LF was found under <see cref="BareLineEndingPolicy.Reject"/>.</summary>
    public bool Failed { get; private set; }

    /// <summary>Appends <paramref name="segment"/> to <paramref name="content"/> (as slices of it, plus CRLF/LF when normalizing).</summary>
    public void Scan(ReadOnlyMemory<byte> segment, List<ReadOnlyMemory<byte>> content)
    {
        if (Failed || segment.IsEmpty)
            return;
        var span = segment.Span;
        var runStart = 0;
        var i = 0;
        if (_pendingCr)
        {
            _pendingCr = false;
            if (span[0] == (byte)'\n')
                i = 1;
            else if (!BareLineEnding(content, Lf))
                return;
        }
        while (i < span.Length)
        {
            var next = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
                break;
            i += next;
            if (span[i] == (byte)'\r')
            {
                if (i + 1 == span.Length)
                {
                    _pendingCr = true; // decided by the next segment (or chunk), or by Complete
                    break;
                }
                if (span[i + 1] == (byte)'\n')
                {
                    i += 2;
                    continue;
                }
                // A bare CR: keep it and add the LF it lacks.
                Add(segment[runStart..(i + 1)], content);
                runStart = i + 1;
                if (!BareLineEnding(content, Lf))
                    return;
                i++;
                continue;
            }
            // A bare LF: replace it by CRLF.
            Add(segment[runStart..i], content);
            runStart = i + 1;
            if (!BareLineEnding(content, Crlf))
                return;
            i++;
        }
        Add(segment[runStart..], content);
    }

    /// <summary>Called after the LAST chunk: a CR as the very last octet is bare too.</summary>
    public void Complete(List<ReadOnlyMemory<byte>> content)
    {
        if (!_pendingCr)
            return;
        _pendingCr = false;
        BareLineEnding(content, Lf);
    }

    /// <summary>Refuses (returns false) or emits <paramref name="replacement"/>.</summary>
    private bool BareLineEnding(List<ReadOnlyMemory<byte>> content, ReadOnlyMemory<byte> replacement)
    {
        if (!_normalize)
        {
            Failed = true;
            return false;
        }
        content.Add(replacement);
        return true;
    }

    private static void Add(ReadOnlyMemory<byte> slice, List<ReadOnlyMemory<byte>> content)
    {
        if (!slice.IsEmpty)
            content.Add(slice);
    }
}
