using Mailflow.Fuzz.Targets;
using SharpFuzz;

// dotnet Mailflow.Fuzz.dll <target>                      under afl-fuzz (fuzz/run.sh): one input per run on stdin
// dotnet Mailflow.Fuzz.dll <target> --replay <path>...   runs files or folders of inputs once, reports each failure
if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"usage: Mailflow.Fuzz <{string.Join('|', FuzzTargets.All.Select(t => t.Name))}> [--replay <file-or-folder>...]");
    return 2;
}

if (args.Length > 1 && args[1] == "--replay")
{
    var failures = 0;
    var files = args.Skip(2).SelectMany(path => Directory.Exists(path) ? Directory.GetFiles(path, "*", SearchOption.AllDirectories) : [path]).Order().ToList();
    foreach (var file in files)
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
        }
        catch (Exception exception)
        {
            failures++;
            Console.Error.WriteLine($"{file}: {exception}");
        }
    }
    Console.WriteLine($"{target.Name}: {files.Count} inputs, {failures} failed");
    return failures == 0 ? 0 : 1;
}

// Out of process: a crash (even a stack overflow) is reported to afl-fuzz instead of killing the fuzzer.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target.Run(buffer.ToArray());
});
return 0;
