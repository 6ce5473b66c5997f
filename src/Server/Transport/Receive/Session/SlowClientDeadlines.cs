namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>Why a slow client was cut (true idleness and the connection time limit are the session's own timers).</summary>
internal enum SlowClientKind
{
    None,
    /// <summary>A command line started but did not end within the command deadline.</summary>
    CommandLine,
    /// <summary>DATA/BDAT content fell below the minimum rate after the grace period.</summary>
    DataRate,
}

/// <summary>
/// The two deadlines that cut a client which keeps the connection busy without getting anywhere
/// (one byte at a time resets any idle timer):
/// <list type="bullet">
/// <item>The command deadline (Postfix's smtpd_per_record_deadline): once the first octet of a command
///   line is in, the whole line must be in within <c>commandTimeout</c>.</item>
/// <item>The data deadline (Postfix's smtpd_min_data_rate): a DATA/BDAT transfer starts with the grace
///   period; every content octet received extends the deadline by 1/rate seconds, so a transfer that
///   averages the minimum rate after the grace never expires.</item>
/// </list>
/// Pure bookkeeping on the session's thread; the session arms one timer for <see cref="NextDue"/> and
/// asks <see cref="Expired"/> when it fires or input arrives.
/// </summary>
internal sealed class SlowClientDeadlines(TimeProvider time, TimeSpan commandTimeout, int minDataRate, TimeSpan grace)
{
    private DateTimeOffset? _commandDeadline;
    private DateTimeOffset? _dataDeadline;
    private DateTimeOffset _dataStarted;
    private long _dataOctets;

    /// <summary>Whether part of a command line is waiting for its end (starts the command deadline once).</summary>
    public void CommandPending(bool pending)
    {
        if (!pending)
            _commandDeadline = null;
        else
            _commandDeadline ??= time.GetUtcNow() + commandTimeout;
    }

    /// <summary>A DATA or BDAT transfer begins (no-op while one is running, or when the rate check is off).</summary>
    public void BeginTransfer()
    {
        if (minDataRate <= 0 || _dataDeadline is not null)
            return;
        _dataStarted = time.GetUtcNow();
        _dataDeadline = _dataStarted + grace;
        _dataOctets = 0;
    }

    public void EndTransfer() => _dataDeadline = null;

    /// <summary>Content octets received during the transfer: each buys 1/rate seconds.</summary>
    public void Received(long octets)
    {
        if (_dataDeadline is not { } deadline || octets <= 0)
            return;
        _dataOctets += octets;
        _dataDeadline = deadline + TimeSpan.FromSeconds(octets / (double)minDataRate);
    }

    /// <summary>The earliest deadline running; null when none runs (the usual case between commands).</summary>
    public DateTimeOffset? EarliestDue => Min(_commandDeadline, _dataDeadline);

    /// <summary>How long until the earliest deadline (zero when already due); null when none runs.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            if (EarliestDue is not { } due)
                return null;
            var left = due - time.GetUtcNow();
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>The deadline that has passed, if any.</summary>
    public SlowClientKind Expired()
    {
        var now = time.GetUtcNow();
        if (_commandDeadline is { } command && now >= command)
            return SlowClientKind.CommandLine;
        if (_dataDeadline is { } data && now >= data)
            return SlowClientKind.DataRate;
        return SlowClientKind.None;
    }

    /// <summary>For the protocol log: what the client managed.</summary>
    public string Describe(SlowClientKind kind) => kind switch
    {
        SlowClientKind.CommandLine => $"command line not complete within {commandTimeout.TotalSeconds:0.##} s",
        SlowClientKind.DataRate => $"{_dataOctets} octets of content in {(time.GetUtcNow() - _dataStarted).TotalSeconds:0.#} s, below {minDataRate} octets/s after {grace.TotalSeconds:0.##} s grace",
        _ => "",
    };

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
