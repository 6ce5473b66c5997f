namespace Mailflow.Tracking;

/// <summary>
/// What came of one protocol log session, in a word for the session list: Delivered (a message was accepted, or
/// handed on), Partly refused, Relay denied, AUTH failed, Refused, Closed (QUIT without mail) or Disconnected.
/// Fed line by line (<see cref="Add"/>), so the reader need not keep a session's lines.
/// </summary>
public sealed class ProtocolLogOutcome(ProtocolLogOutcome.Direction direction)
{
    /// <summary>Receive: the client's commands are "&lt;", our replies "&gt;". Send: our commands "&gt;", the server's replies "&lt;".</summary>
    public enum Direction
    {
        Receive,
        Send,
    }

    private bool _delivered;
    private bool _refusedSome;
    private bool _relayDenied;
    private bool _authFailed;
    private bool _dataSent;
    private bool _quit;
    private string? _firstRefusal;

    public static string Of(IEnumerable<ProtocolLogLine> lines, Direction direction)
    {
        var outcome = new ProtocolLogOutcome(direction);
        foreach (var line in lines)
            outcome.Add(line);
        return outcome.Result;
    }

    public void Add(ProtocolLogLine line)
    {
        var isReply = line.Event == (direction == Direction.Receive ? ">" : "<");
        var isCommand = line.Event == (direction == Direction.Receive ? "<" : ">");
        if (isCommand)
        {
            if (line.Data.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase))
                _quit = true;
            if (line.Data.StartsWith("*** message data", StringComparison.Ordinal))
                _dataSent = true;
            return;
        }
        if (!isReply || line.Data.Length < 3)
            return;
        var code = line.Data[..3];
        if (direction == Direction.Receive ? line.Data.StartsWith("250 2.6.0", StringComparison.Ordinal) : _dataSent && code == "250")
        {
            _delivered = true;
            _dataSent = false;
            return;
        }
        if (code == "535")
            _authFailed = true;
        else if (line.Data.StartsWith("550 5.7.54", StringComparison.Ordinal) || line.Data.StartsWith("550 5.7.1 Unable to relay", StringComparison.OrdinalIgnoreCase))
            _relayDenied = true;
        if (code[0] is '4' or '5' && code != "421")
        {
            _refusedSome = true;
            _firstRefusal ??= line.Data.Length > 60 ? line.Data[..60] + "…" : line.Data;
        }
    }

    public string Result =>
        _delivered ? (_refusedSome ? "Partly refused" : "Delivered")
        : _authFailed ? "AUTH failed"
        : _relayDenied ? "Relay denied"
        : _refusedSome ? $"Refused ({_firstRefusal})"
        : _quit ? "Closed"
        : "Disconnected";
}
