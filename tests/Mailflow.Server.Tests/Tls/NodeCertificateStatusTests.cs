using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Server.Transport.Tls;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Tests.Tls;

public sealed class NodeCertificateStatusTests : IDisposable
{
    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("mailflow-cert-tests-");

    private (NodeCertificate Certificate, NodeCertificateStatus Status, MailflowOptions Options) Create()
    {
        var options = new MailflowOptions { DataDirectory = _dataDirectory.FullName, Fqdn = "mx1.mailflow.test" };
        var certificate = new NodeCertificate(Options.Create(options), Options.Create(new TlsOptions()), TimeProvider.System, NullLogger<NodeCertificate>.Instance);
        return (certificate, new NodeCertificateStatus(certificate), options);
    }

    [Fact]
    public void Current_WhenNoCertificateIsConfigured_DescribesTheGeneratedSelfSignedOne()
    {
        var (_, status, _) = Create();

        var current = status.Current;

        Assert.Equal("CN=mx1.mailflow.test", current.Subject);
        Assert.Equal(["mx1.mailflow.test"], current.SubjectAlternativeNames);
        Assert.True(current.SelfSigned);
        Assert.False(current.Configured);
        Assert.True(current.NotAfter > DateTimeOffset.UtcNow.AddYears(1));
    }

    [Fact]
    public void GenerateSelfSigned_WhenOrganizationManagerAsks_ReplacesTheStoredFileAndWhatNewSessionsGet()
    {
        var (certificate, status, options) = Create();
        var before = status.Current.Thumbprint;
        var fileBefore = File.ReadAllBytes(NodeCertificate.SelfSignedPath(options));

        var generated = status.GenerateSelfSigned(AdminActor.System);

        Assert.NotEqual(before, generated.Thumbprint);
        Assert.Equal(generated.Thumbprint, certificate.Certificate.Thumbprint);
        Assert.NotEqual(fileBefore, File.ReadAllBytes(NodeCertificate.SelfSignedPath(options)));
        // A restart loads the same new certificate from the file.
        var (_, restarted, _) = Create();
        Assert.Equal(generated.Thumbprint, restarted.Current.Thumbprint);
    }

    [Fact]
    public void GenerateSelfSigned_WhenViewOnlyAdminAsks_IsRefusedAndKeepsTheCertificate()
    {
        var (_, status, _) = Create();
        var before = status.Current.Thumbprint;

        Assert.Throws<ConfigurationForbiddenException>(() => status.GenerateSelfSigned(new AdminActor("victor", new HashSet<string> { AdminRoles.ViewOnly })));
        Assert.Equal(before, status.Current.Thumbprint);
    }

    public void Dispose() => _dataDirectory.Delete(recursive: true);
}
