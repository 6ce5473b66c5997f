using System.CommandLine;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow certificate show|regenerate</c>: the node's SMTP TLS certificate.</summary>
internal static class CertificateCommands
{
    private const string Path = "certificates/node";

    public static Command Create(CliContext context)
    {
        var command = new Command("certificate", "The SMTP TLS certificate this node presents");
        var show = new Command("show", "Show the node's certificate: subject, names, issuer, validity");
        context.Handle(show, async (_, client, output, ct) => output.Details(await client.GetAsync(Path, ct)));
        var regenerate = new Command("regenerate", "Replace the self-signed certificate with a new one (new TLS sessions use it at once)");
        context.Handle(regenerate, async (_, client, output, ct) =>
            output.Details((await client.SendAsync(HttpMethod.Post, Path + "/self-signed", null, null, ct)).Body));
        command.Subcommands.Add(show);
        command.Subcommands.Add(regenerate);
        return command;
    }
}
