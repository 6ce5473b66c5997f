using System.CommandLine;
using Mailflow.Cli.Commands;

namespace Mailflow.Cli;

/// <summary>
/// The <c>mailflow</c> command: verbs admins can guess (<c>mailflow domain add contoso.com</c>,
/// <c>mailflow receive-connector set "Default Frontend" --max-message-size 50MB</c>,
/// <c>mailflow config apply org.json --dry-run</c>). Tables by default, <c>--json</c> for scripts,
/// exit code 1 with the API's error text on failure, <c>--help</c> on every verb.
/// </summary>
public static class MailflowCli
{
    /// <summary>Runs the tool; tests call this in-process with their own writers and environment.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CliEnvironment environment, HttpClient? http = null)
    {
        using var ownClient = http is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(100) } : null;
        var context = new CliContext(output, error, environment, http ?? ownClient!);
        var root = Build(context);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("mailflow: manage a Mailflow mail transport server over its REST API.");
        root.Options.Add(context.UrlOption);
        root.Options.Add(context.ApiKeyOption);
        root.Options.Add(context.JsonOption);

        // One file per noun.
        root.Subcommands.Add(DomainCommands.Create(context));
        root.Subcommands.Add(ReceiveConnectorCommands.Create(context));
        root.Subcommands.Add(SendConnectorCommands.Create(context));
        root.Subcommands.Add(AddressRewriteCommands.Create(context));
        root.Subcommands.Add(RemoteDomainCommands.Create(context));
        root.Subcommands.Add(RecipientCommands.Create(context));
        root.Subcommands.Add(RuleCommands.Create(context));
        root.Subcommands.Add(JournalCommands.Create(context));
        root.Subcommands.Add(SettingsCommands.Create(context));
        foreach (var protection in ProtectionCommands.Create(context))
            root.Subcommands.Add(protection);
        foreach (var throttling in ThrottlingCommands.Create(context))
            root.Subcommands.Add(throttling);
        root.Subcommands.Add(NodeCommands.Create(context));
        root.Subcommands.Add(CertificateCommands.Create(context));
        root.Subcommands.Add(DkimKeyCommands.Create(context));
        root.Subcommands.Add(AuditCommands.Create(context));
        root.Subcommands.Add(ApiKeyCommands.Create(context));
        root.Subcommands.Add(ConfigCommands.Create(context));
        root.Subcommands.Add(QueueCommands.Create(context));
        root.Subcommands.Add(QuarantineCommands.Create(context));
        root.Subcommands.Add(MessageCommands.Create(context));
        root.Subcommands.Add(TraceCommands.Create(context));
        root.Subcommands.Add(LogCommands.Create(context));
        root.Subcommands.Add(TestMailFlowCommands.Create(context));
        root.Subcommands.Add(AgentCommands.Create(context));
        root.Subcommands.Add(AlertCommands.Create(context));
        return root;
    }
}
