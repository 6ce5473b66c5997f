using Mailflow.Cli;

return await MailflowCli.RunAsync(args, Console.Out, Console.Error, CliEnvironment.FromProcess());
