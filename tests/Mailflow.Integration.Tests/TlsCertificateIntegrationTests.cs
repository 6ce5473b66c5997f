using System.Diagnostics;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Stored TLS certificates on the wire: a receive connector presents the certificate assigned to
/// it (STARTTLS and implicit TLS), an assignment change reaches the next session without a restart,
/// and a stock command-line client (swaks) submits over STARTTLS with AUTH.
/// </summary>
public sealed class TlsCertificateIntegrationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private const string NodeSubject = "CN=mx.contoso.test"; // the node's generated certificate (Mailflow:Fqdn)
    private readonly TestStores stores = new(postgres);

    private async Task<MailflowHost> StartAsync(DatabaseProvider provider)
    {
        var host = MailflowHost.Start(await stores.CreateAsync(provider));
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    /// <summary>The subject of the certificate the server presents to a new MailKit session.</summary>
    private static async Task<string?> PresentedSubjectAsync(int port, SecureSocketOptions security)
    {
        string? subject = null;
        using var client = new SmtpClient
        {
            Timeout = 15_000,
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = (_, certificate, _, _) =>
            {
                subject = certificate?.Subject;
                return true;
            },
        };
        await client.ConnectAsync("127.0.0.1", port, security);
        Assert.True(client.IsSecure);
        await client.NoOpAsync();
        await client.DisconnectAsync(quit: true);
        return subject;
    }

    private static async Task<ReceiveConnector> AssignAsync(MailflowHost host, string connectorName, Guid? certificateId)
    {
        var connectors = host.Get<ReceiveConnectorService>();
        var connector = (await connectors.ListAsync()).Single(c => c.Name == connectorName);
        connector.CertificateId = certificateId;
        var saved = await connectors.UpdateAsync(Admin, connector);
        await host.WaitForLatestGenerationAsync();
        return saved;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Connector_PresentsItsAssignedCertificate_AndAReassignmentReachesTheNextSession(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        var certificates = host.Get<TlsCertificateService>();
        var frontend = host.PortOf("Default Frontend");
        var implicitTls = host.PortOf("Client Implicit TLS");
        using var uploaded = TestCertificates.Create("upload.test");
        var upload = await certificates.ImportAsync(Admin, new CertificateUpload("Upload test", TestCertificates.Pfx(uploaded, "pfx-pass"), Password: "pfx-pass"));
        Assert.Equal(NodeSubject, await PresentedSubjectAsync(frontend, SecureSocketOptions.StartTls));

        await AssignAsync(host, "Default Frontend", upload.Id);
        await AssignAsync(host, "Client Implicit TLS", upload.Id);

        Assert.Equal("CN=upload.test", await PresentedSubjectAsync(frontend, SecureSocketOptions.StartTls));
        Assert.Equal("CN=upload.test", await PresentedSubjectAsync(implicitTls, SecureSocketOptions.SslOnConnect));
        Assert.Equal(NodeSubject, await PresentedSubjectAsync(host.PortOf("Client Frontend"), SecureSocketOptions.StartTls));

        // Live: a new assignment, then back to the node default, each seen by the next session.
        var generated = await certificates.GenerateSelfSignedAsync(Admin, "", "second.test", 30);
        await AssignAsync(host, "Default Frontend", generated.Id);
        Assert.Equal("CN=second.test", await PresentedSubjectAsync(frontend, SecureSocketOptions.StartTls));
        Assert.Equal("CN=upload.test", await PresentedSubjectAsync(implicitTls, SecureSocketOptions.SslOnConnect));

        await AssignAsync(host, "Default Frontend", null);
        Assert.Equal(NodeSubject, await PresentedSubjectAsync(frontend, SecureSocketOptions.StartTls));
    }

    [Fact]
    public async Task Swaks_SubmitsOverStartTlsWithAuth_AndTheMessageIsQueued()
    {
        const string swaks = "/usr/bin/swaks";
        Assert.True(File.Exists(swaks), "swaks is missing: apt-get install -y swaks (test.sh installs it)");
        await using var host = await StartAsync(DatabaseProvider.Sqlite);
        var recipients = host.Get<RecipientService>();
        var mailbox = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Bob", PrimaryAddress = "bob@contoso.test" });
        await recipients.SetSubmissionPasswordAsync(Admin, mailbox.Id, mailbox.Revision, "bobs-swaks-password");
        await host.WaitForLatestGenerationAsync();

        var (exitCode, output) = await RunAsync(swaks,
            "--server", "127.0.0.1", "--port", host.PortOf("Client Frontend").ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls", "--auth", "PLAIN", "--auth-user", "bob@contoso.test", "--auth-password", "bobs-swaks-password",
            "--helo", "swaks.client.test", "--from", "bob@contoso.test", "--to", "carol@fabrikam.test",
            "--header", "Subject: Submitted by swaks", "--body", "Hello from swaks.", "--timeout", "15");

        Assert.True(exitCode == 0, $"swaks exited with {exitCode}:\n{output}");
        Assert.Contains("STARTTLS", output);
        Assert.Matches(@"235 2\.7\.0", output);
        var queued = Regex.Match(output, @"250 2\.6\.0 <([0-9A-Z]{16})> Queued mail for delivery");
        Assert.True(queued.Success, output);
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var stored = await db.QueuedMessages.Include(m => m.Recipients).SingleAsync(m => m.QueueId == queued.Groups[1].Value);
        Assert.Equal("bob@contoso.test", stored.Sender);
        Assert.Equal("bob@contoso.test", stored.AuthenticatedAs);
        Assert.Equal("carol@fabrikam.test", Assert.Single(stored.Recipients).Address);
        Assert.Equal("Submitted by swaks", stored.Subject);
        Assert.StartsWith("Tls1", stored.TlsProtocol);
    }

    /// <summary>Runs a program with arguments (no shell), returning its exit code and stdout + stderr; a guard stops it after a minute.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => stores.Dispose();
}
