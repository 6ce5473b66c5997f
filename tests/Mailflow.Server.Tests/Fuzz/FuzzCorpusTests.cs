using Mailflow.Fuzz.Targets;

namespace Mailflow.Server.Tests.Fuzz;

/// <summary>
/// Every input kept in <c>fuzz/corpus/&lt;target&gt;/</c> — the seeds and every crash the fuzzer found,
/// once fixed — runs through its fuzz target on every test run, so a fixed crash stays fixed
/// (fuzz/README.md).
/// </summary>
public sealed class FuzzCorpusTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryCorpusInput_PassesItsTarget(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var files = Directory.GetFiles(Path.Combine(RepositoryRoot(), "fuzz", "corpus", name));
        Assert.NotEmpty(files);
        var failures = new List<string>();
        foreach (var file in files.Order())
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception exception)
            {
                failures.Add($"{Path.GetFileName(file)}: {exception.GetType().Name}: {exception.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Admin.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Admin.sln not found above " + AppContext.BaseDirectory);
    }
}
