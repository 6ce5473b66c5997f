using Mailflow.Server.Transport.Queue;

namespace Mailflow.Fuzz.Targets;

/// <summary>
/// The MIME header summary stored with every message (Subject, From, Message-ID for the queue viewer
/// and the trace), read with MimeKit from whatever header section a client sent. Promises: no crash;
/// every value fits a text column of either store (no control characters, no unpaired surrogates, at
/// most 998 characters).
/// </summary>
public sealed class HeaderSummaryTarget : IFuzzTarget
{
    public string Name => "header-summary";

    public void Run(ReadOnlySpan<byte> input)
    {
        var summary = HeaderSummary.Parse(input.ToArray());
        foreach (var value in new[] { summary.Subject, summary.From, summary.MessageId })
        {
            if (value is null)
                continue;
            FuzzTargets.Require(value.Length <= 998, "a summary value fits its column");
            FuzzTargets.Require(!value.Any(char.IsControl), "a summary value has no control characters");
            for (var i = 0; i < value.Length; i++)
            {
                if (char.IsHighSurrogate(value[i]))
                {
                    FuzzTargets.Require(i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]), "no unpaired surrogate");
                    i++;
                }
                else
                {
                    FuzzTargets.Require(!char.IsLowSurrogate(value[i]), "no unpaired surrogate");
                }
            }
        }
    }
}
