namespace Mailflow.Fuzz.Targets;

/// <summary>
/// One fuzz target: runs the code under test on one input and throws when it crashes or breaks one of
/// its own promises (<see cref="FuzzInvariantException"/>). A target never throws for input the code
/// rightly refuses.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The target's name: its corpus folder (<c>fuzz/corpus/&lt;name&gt;/</c>) and the argument that picks it.</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}

/// <summary>The code under test broke a promise it makes (not a crash, but as bad).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

/// <summary>Every target, by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new SmtpCommandTarget(),
        new DataReaderTarget(),
        new BdatReaderTarget(),
        new AddressTarget(),
        new HeaderSummaryTarget(),
    ];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    internal static void Require(bool condition, string promise)
    {
        if (!condition)
            throw new FuzzInvariantException(promise);
    }
}
