using Mailflow.Cli;

namespace Mailflow.Api.Tests;

/// <summary>One run of the <c>mailflow</c> CLI, in-process against a test server: its exit code and what it wrote.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs with <paramref name="home"/> as the CLI's home directory (where <c>mailflow login</c> keeps its profile).</summary>
    public static async Task<CliRun> InHomeAsync(Uri server, string? apiKey, string home, string stdin, params string[] args)
    {
        var variables = new Dictionary<string, string?> { [CliEnvironment.UrlVariable] = server.ToString() };
        if (apiKey is not null)
            variables[CliEnvironment.ApiKeyVariable] = apiKey;
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await MailflowCli.RunAsync(args, output, error, new CliEnvironment(variables, home, new StringReader(stdin)));
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs as the initial Organization Management key with a throwaway home directory.</summary>
    public static async Task<CliRun> AsAdminAsync(Uri server, params string[] args)
    {
        var home = Directory.CreateTempSubdirectory("mailflow-cli-home-");
        try
        {
            return await InHomeAsync(server, ApiServer.InitialKey, home.FullName, "", args);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    public void AssertSucceeded() => Assert.True(ExitCode == 0, $"exit {ExitCode}\n{Output}\n{Error}");
}
