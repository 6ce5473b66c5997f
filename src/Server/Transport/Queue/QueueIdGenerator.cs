using System.Security.Cryptography;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Makes the short queue ids clients see in <c>250 2.6.0 &lt;id&gt; Queued mail for delivery</c> and
/// admins see in logs: 16 Crockford base32 characters (no I, L, O, U; upper case).
/// <list type="bullet">
/// <item>45 bits of milliseconds since 2025-01-01 UTC (9 characters; good for ~1100 years), so ids
/// sort by acceptance time across nodes ("sortable-ish": clocks of different nodes may disagree a little).</item>
/// <item>15 bits of node tag, random per generator instance (per process), so two nodes accepting in the same
/// millisecond almost never share a prefix.</item>
/// <item>20 bits of sequence, starting at a random point each millisecond; in-process ids are strictly
/// increasing even when the clock stands still or steps back.</item>
/// </list>
/// The store's unique index on the queue id is the final guard: a collision fails that one commit
/// (the client gets 451 and retries) rather than mixing two messages.
/// </summary>
public sealed class QueueIdGenerator
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const int SequenceBits = 20;
    private const int NodeTagBits = 15;
    private const long TimeMask = (1L << 45) - 1;
    private const int SequenceLimit = 1 << SequenceBits;
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TimeProvider _time;
    private readonly int _nodeTag;
    private readonly Lock _lock = new();
    private long _lastMilliseconds = -1;
    private int _sequence;

    public QueueIdGenerator(TimeProvider time)
    {
        _time = time;
        _nodeTag = RandomNumberGenerator.GetInt32(1 << NodeTagBits);
    }

    public const int Length = 16;

    public string Next()
    {
        long milliseconds;
        int sequence;
        lock (_lock)
        {
            milliseconds = Math.Max(0, (long)(_time.GetUtcNow() - Epoch).TotalMilliseconds);
            if (milliseconds <= _lastMilliseconds)
            {
                // Same millisecond, or the clock stepped back: keep counting from where we are.
                milliseconds = _lastMilliseconds;
                if (++_sequence == SequenceLimit)
                {
                    milliseconds++;
                    _sequence = 0;
                }
            }
            else
            {
                // Start low in the range so a burst in one millisecond has ≥ 2^19 ids before it borrows the next.
                _sequence = RandomNumberGenerator.GetInt32(SequenceLimit / 2);
            }
            _lastMilliseconds = milliseconds;
            sequence = _sequence;
        }

        Span<char> id = stackalloc char[Length];
        Encode(milliseconds & TimeMask, id[..9]);
        Encode(((long)_nodeTag << SequenceBits) | (uint)sequence, id[9..]);
        return new string(id);
    }

    private static void Encode(long value, Span<char> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }
}
