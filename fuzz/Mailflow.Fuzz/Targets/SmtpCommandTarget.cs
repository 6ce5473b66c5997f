using System.Buffers;
using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Fuzz.Targets;

/// <summary>
/// The SMTP command parser (framing, verbs, MAIL/RCPT paths and parameters, BDAT, AUTH): the input is
/// a client's byte stream. Promises: each line yields a command or an error, never both or neither; what
/// it waits on stays under one command line; and the answers are the same however the bytes arrive.
/// </summary>
public sealed class SmtpCommandTarget : IFuzzTarget
{
    public string Name => "smtp-command";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0)
            return;
        var stream = input[1..];
        var whole = Parse([stream.ToArray()]);
        var split = Parse(Segments.Split(stream, input[0]));
        FuzzTargets.Require(whole.SequenceEqual(split), "the same bytes in other pieces parse the same");
    }

    private static List<string> Parse(IReadOnlyList<byte[]> arrivals)
    {
        var parser = new SmtpCommandParser();
        var results = new List<string>();
        byte[] pending = [];
        foreach (var arrival in arrivals)
        {
            pending = [.. pending, .. arrival];
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(pending));
            while (parser.TryParse(ref reader, out var command, out var error))
            {
                FuzzTargets.Require(command is null != error is null, "a parsed line is a command or an error");
                results.Add(command?.ToString() ?? "error " + error);
            }
            pending = pending[(int)reader.Consumed..];
            // An AUTH line may be longer (RFC 4954 §4: 12288 octets, OAuth tokens need it); any other line is a command line.
            FuzzTargets.Require(pending.Length < SmtpCommandParser.LineLimitFor(new ReadOnlySequence<byte>(pending)), "no more than one command line is held");
        }
        results.Add($"left {pending.Length}");
        return results;
    }
}
