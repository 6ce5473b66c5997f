using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mailflow.Cli;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>Stored TLS certificates over /api/v1/certificates and <c>mailflow certificate</c>, against the real server.</summary>
public abstract class CertificatesApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private ApiServer _server = default!;
    private HttpClient _admin = default!;
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("mailflow-cert-files-");

    public async Task InitializeAsync()
    {
        _server = await servers.GetAsync(provider, postgres);
        _admin = _server.Client();
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        _files.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private Task<CliRun> MailflowAsync(params string[] args) => CliRun.AsAdminAsync(_server.BaseUrl, args);

    private async Task<HttpClient> ViewOnlyClientAsync()
    {
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = Http.Unique("viewer-"), role = AdminRoles.ViewOnly }).ExpectAsync(HttpStatusCode.Created);
        return _server.Client(created["key"]!.GetValue<string>());
    }

    private async Task AssignAsync(string connectorName, Guid? certificateId)
    {
        var connectors = (await _admin.GetOkAsync("api/v1/receive-connectors")).AsArray();
        var id = connectors.Single(c => c!["name"]!.GetValue<string>() == connectorName)!["id"]!.GetValue<string>();
        var (body, etag) = await _admin.GetWithETagAsync($"api/v1/receive-connectors/{id}");
        body["certificateId"] = certificateId is null ? null : JsonValue.Create(certificateId.Value);
        await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/receive-connectors/{id}", body, etag).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task UploadPem_StoresTheCertificate_AndListGetAndOpenApiShowIt()
    {
        var host = Http.Unique("pem") + ".test";
        using var certificate = TestCertificates.Create(host);

        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/certificates", new
        {
            name = "API " + host,
            pem = Encoding.ASCII.GetString(TestCertificates.CertificatePem(certificate)),
            privateKeyPem = Encoding.ASCII.GetString(TestCertificates.KeyPem(certificate, "key-pass")),
            password = "key-pass",
        }).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("CN=" + host, created["subject"]!.GetValue<string>());
        Assert.Equal(certificate.Thumbprint, created["thumbprint"]!.GetValue<string>());
        Assert.Equal([host], created["dnsNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("Valid", created["expiry"]!.GetValue<string>());
        Assert.Null(created["warning"]);
        Assert.DoesNotContain("protected", created.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        var id = created["id"]!.GetValue<string>();
        var (single, etag) = await _admin.GetWithETagAsync($"api/v1/certificates/{id}");
        Assert.Equal("\"0\"", etag);
        Assert.Equal("API " + host, single["name"]!.GetValue<string>());
        Assert.Contains((await _admin.GetOkAsync("api/v1/certificates")).AsArray(), c => c!["id"]!.GetValue<string>() == id);

        using var anonymous = _server.Client(apiKey: null);
        var paths = (await anonymous.GetOkAsync("openapi/v1.json"))["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v1/certificates", paths);
        Assert.Contains("/api/v1/certificates/{id}", paths);
        Assert.Contains("/api/v1/certificates/self-signed", paths);
    }

    [Fact]
    public async Task Upload_Returns422WithTheFieldMessage_When_FileOrPasswordIsWrong()
    {
        using var certificate = TestCertificates.Create(Http.Unique("bad") + ".test");

        var wrongPassword = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/certificates",
            new { pfx = TestCertificates.Pfx(certificate, "right"), password = "wrong" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(wrongPassword, "Password", "The password does not open this PFX.");

        var notACertificate = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/certificates",
            new { pem = "-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(notACertificate, "CertificateFile", "The file is not a PEM or PFX certificate.");

        var noKey = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/certificates",
            new { pem = Encoding.ASCII.GetString(TestCertificates.CertificatePem(certificate)) }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(noKey, "CertificateFile", TlsCertificateReader.NoPrivateKey);

        var nothing = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/certificates", new { name = "empty" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(nothing, "CertificateFile", "Send the certificate as pem (text) or pfx (base64 PKCS#12).");
    }

    [Fact]
    public async Task Generate_AssignAndDelete_RefusesDeletionWhileAConnectorPresentsIt_AndViewOnlyMayOnlyRead()
    {
        var fqdn = Http.Unique("gen") + ".test";
        using var viewer = await ViewOnlyClientAsync();
        await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/certificates/self-signed", new { fqdn, validityDays = 30 }).ExpectAsync(HttpStatusCode.Forbidden);

        var generated = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/certificates/self-signed", new { fqdn, validityDays = 20 }).ExpectAsync(HttpStatusCode.Created);
        var id = Guid.Parse(generated["id"]!.GetValue<string>());
        Assert.Equal("ExpiringSoon", generated["expiry"]!.GetValue<string>());
        Assert.Contains("Renew it soon", generated["warning"]!.GetValue<string>());
        await AssignAsync("Client Frontend", id);

        var listed = (await viewer.GetOkAsync("api/v1/certificates")).AsArray().Single(c => c!["id"]!.GetValue<string>() == id.ToString());
        Assert.Equal(["Client Frontend"], listed!["usedBy"]!.AsArray().Select(n => n!.GetValue<string>()));
        var (_, etag) = await _admin.GetWithETagAsync($"api/v1/certificates/{id}");
        await viewer.SendJsonAsync(HttpMethod.Delete, $"api/v1/certificates/{id}", ifMatch: etag).ExpectAsync(HttpStatusCode.Forbidden);
        var refused = await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/certificates/{id}", ifMatch: etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(refused, "UsedBy", $"{fqdn} is presented by receive connector 'Client Frontend'. Choose another certificate (or the node default) for them first.");

        await AssignAsync("Client Frontend", null);
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/certificates/{id}").ExpectAsync(HttpStatusCode.PreconditionRequired);
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/certificates/{id}", ifMatch: etag).ExpectAsync(HttpStatusCode.NoContent);
        await _admin.GetAsync($"api/v1/certificates/{id}").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cli_ImportsListsAssignsAndDeletesCertificates()
    {
        var host = Http.Unique("cli") + ".test";
        using var certificate = TestCertificates.Create(host);
        var certificatePath = Path.Combine(_files.FullName, "fullchain.pem");
        var keyPath = Path.Combine(_files.FullName, "privkey.pem");
        var pfxPath = Path.Combine(_files.FullName, "other.pfx");
        var passwordPath = Path.Combine(_files.FullName, "password.txt");
        await File.WriteAllBytesAsync(certificatePath, TestCertificates.CertificatePem(certificate));
        await File.WriteAllBytesAsync(keyPath, TestCertificates.KeyPem(certificate));
        using var other = TestCertificates.Create(Http.Unique("pfx") + ".test");
        await File.WriteAllBytesAsync(pfxPath, TestCertificates.Pfx(other, "file-pass"));
        await File.WriteAllTextAsync(passwordPath, "file-pass\n");
        var name = "CLI " + host;

        var imported = await MailflowAsync("certificate", "import", certificatePath, "--key", keyPath, "--name", name);
        Assert.True(imported.ExitCode == 0, imported.Error);
        Assert.Contains($"Stored {name}.", imported.Output);
        var pfx = await MailflowAsync("certificate", "import", pfxPath, "--password-file", passwordPath);
        Assert.True(pfx.ExitCode == 0, pfx.Error);
        var wrong = await MailflowAsync("certificate", "import", pfxPath, "--password", "nope");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("Password: The password does not open this PFX.", wrong.Error);

        var list = await MailflowAsync("certificate", "list");
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(name)}\s+CN={System.Text.RegularExpressions.Regex.Escape(host)}\s+{System.Text.RegularExpressions.Regex.Escape(host)}", list.Output);

        var assigned = await MailflowAsync("receive-connector", "set", "Client Frontend", "--certificate", name);
        Assert.True(assigned.ExitCode == 0, assigned.Error);
        var refused = await MailflowAsync("certificate", "delete", name);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("is presented by receive connector 'Client Frontend'", refused.Error);

        var unassigned = await MailflowAsync("receive-connector", "set", "Client Frontend", "--certificate", "default");
        Assert.True(unassigned.ExitCode == 0, unassigned.Error);
        var generated = await MailflowAsync("certificate", "generate", "g" + host, "--days", "60");
        Assert.True(generated.ExitCode == 0, generated.Error);
        var deleted = await MailflowAsync("certificate", "delete", name);
        Assert.True(deleted.ExitCode == 0, deleted.Error);
        var remaining = (await _admin.GetOkAsync("api/v1/certificates")).AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(name, remaining);
        Assert.Contains("g" + host, remaining);
    }
}

public sealed class SqliteCertificatesApiTests(ServerPerClass servers)
    : CertificatesApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresCertificatesApiTests(ServerPerClass servers, PostgresFixture postgres)
    : CertificatesApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
