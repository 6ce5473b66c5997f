namespace Mailflow.Cli;

// A named entry point (not top-level statements): the server's Program is the global one, and tests reference both.
internal static class Program
{
    public static Task<int> Main(string[] args) =>
        MailflowCli.RunAsync(args, Console.Out, Console.Error, CliEnvironment.FromProcess());
}
