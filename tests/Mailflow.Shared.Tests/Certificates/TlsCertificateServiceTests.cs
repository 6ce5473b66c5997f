using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Shared.Tests.Configuration;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests.Certificates;

/// <summary>Importing, generating, renaming and deleting stored TLS certificates through the service, on both stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TlsCertificateServiceTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    private async Task<TestNode> NodeAsync(DatabaseProvider provider) =>
        await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");

    private static IReadOnlyList<string> ErrorsFor(ConfigurationValidationException refused, string field) =>
        refused.Errors.TryGetValue(field, out var messages) ? messages : [];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ImportPem_StoresTheCertificateWithItsChain_AndTheSnapshotCarriesIt(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TlsCertificateService>();
        using var authority = TestCertificates.CreateAuthority("Test Issuing CA");
        using var certificate = TestCertificates.Create("mx.contoso.test", issuer: authority);

        var stored = await service.ImportAsync(Actors.Admin, new CertificateUpload("", TestCertificates.CombinedPem(certificate, authority)));

        Assert.Equal("mx.contoso.test", stored.Name); // no name given: the common name
        Assert.Equal("CN=mx.contoso.test", stored.Subject);
        Assert.Equal("CN=Test Issuing CA", stored.Issuer);
        Assert.Equal(["mx.contoso.test"], stored.DnsNames);
        Assert.Equal(certificate.Thumbprint, stored.Thumbprint);
        Assert.True(stored.HasPrivateKey);
        Assert.False(stored.SelfSigned);
        Assert.Equal(1, stored.ChainLength);

        await node.WaitForLatestGenerationAsync();
        var inSnapshot = node.Config.Current.Certificates[stored.Id];
        using var loaded = new CollectionOwner(node.Get<TlsCertificateProtector>().Load(inSnapshot));
        Assert.Equal(certificate.Thumbprint, loaded.Value[0].Thumbprint);
        Assert.True(loaded.Value[0].HasPrivateKey);
        Assert.Equal(authority.Thumbprint, loaded.Value[1].Thumbprint);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ImportPfx_StoresIt_AndKeyMaterialNeverReachesAuditOrConfigurationDocument(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TlsCertificateService>();
        using var certificate = TestCertificates.Create("pfx.contoso.test");
        var pfx = TestCertificates.Pfx(certificate, "pfx-secret-123");

        var stored = await service.ImportAsync(Actors.Admin, new CertificateUpload("Contoso PFX", pfx, Password: "pfx-secret-123"));

        Assert.Equal("Contoso PFX", stored.Name);
        Assert.Equal(certificate.Thumbprint, stored.Thumbprint);
        Assert.NotEqual(pfx, stored.ProtectedPkcs12);
        await using var db = TestStores.OpenContext(node.Get<StoreSettings>());
        var audit = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.ObjectType == nameof(TlsCertificate));
        Assert.Equal("Contoso PFX", audit.ObjectName);
        Assert.Equal($$"""{"name":"Contoso PFX","thumbprint":"{{certificate.Thumbprint}}"}""", audit.After);
        var generation = await db.ConfigurationGenerations.AsNoTracking().OrderByDescending(g => g.Number).FirstAsync();
        Assert.DoesNotContain(certificate.Thumbprint, generation.Document);
        Assert.DoesNotContain("pfx-secret-123", generation.Document + audit.After);
        Assert.DoesNotContain(Convert.ToBase64String(stored.ProtectedPkcs12)[..40], generation.Document + audit.After);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Import_IsRefusedWithAMessagePerField_When_FileIsUnusable(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TlsCertificateService>();
        using var certificate = TestCertificates.Create("bad.contoso.test");
        using var other = TestCertificates.Create("other.contoso.test");

        async Task<ConfigurationValidationException> Refused(CertificateUpload upload) =>
            await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.ImportAsync(Actors.Admin, upload));

        var text = await Refused(new CertificateUpload("x", Encoding.UTF8.GetBytes("Hello, I am a shopping list.")));
        Assert.Equal([TlsCertificateReader.NotACertificate], ErrorsFor(text, CertificateFields.CertificateFile));

        var wrongPfxPassword = await Refused(new CertificateUpload("x", TestCertificates.Pfx(certificate, "right"), Password: "wrong"));
        Assert.Equal(["The password does not open this PFX."], ErrorsFor(wrongPfxPassword, CertificateFields.Password));

        var noPfxPassword = await Refused(new CertificateUpload("x", TestCertificates.Pfx(certificate, "right")));
        Assert.Equal([TlsCertificateReader.PfxNeedsPassword], ErrorsFor(noPfxPassword, CertificateFields.Password));

        var noKey = await Refused(new CertificateUpload("x", TestCertificates.CertificatePem(certificate)));
        Assert.Equal(["The certificate has no private key; Mailflow needs it to offer TLS. Add the key file, or upload a PFX that contains the key."],
            ErrorsFor(noKey, CertificateFields.CertificateFile));

        var mismatch = await Refused(new CertificateUpload("x", TestCertificates.CertificatePem(certificate), TestCertificates.KeyPem(other)));
        Assert.Equal(["The private key does not match the certificate."], ErrorsFor(mismatch, CertificateFields.PrivateKeyFile));

        var encrypted = TestCertificates.KeyPem(certificate, "key-pass");
        var keyWithoutPassword = await Refused(new CertificateUpload("x", TestCertificates.CertificatePem(certificate), encrypted));
        Assert.Equal([TlsCertificateReader.EncryptedKeyNeedsPassword], ErrorsFor(keyWithoutPassword, CertificateFields.Password));
        var keyWrongPassword = await Refused(new CertificateUpload("x", TestCertificates.CertificatePem(certificate), encrypted, "not-it"));
        Assert.Equal([TlsCertificateReader.WrongKeyPassword], ErrorsFor(keyWrongPassword, CertificateFields.Password));

        var longName = await Refused(new CertificateUpload(new string('n', 129), TestCertificates.CombinedPem(certificate)));
        Assert.Equal(["The name may have at most 128 characters."], ErrorsFor(longName, CertificateFields.Name));

        Assert.Empty(await service.ListAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Import_RefusesExpired_AndStoresOneExpiringSoonWithAWarning(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TlsCertificateService>();
        var now = DateTimeOffset.UtcNow;
        using var expired = TestCertificates.Create("old.contoso.test", now.AddYears(-1), now.AddDays(-2));
        using var soon = TestCertificates.Create("soon.contoso.test", now.AddDays(-80), now.AddDays(10));

        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() =>
            service.ImportAsync(Actors.Admin, new CertificateUpload("old", TestCertificates.CombinedPem(expired))));
        Assert.StartsWith($"The certificate expired on {expired.NotAfter.ToUniversalTime():yyyy-MM-dd}.", ErrorsFor(refused, CertificateFields.CertificateFile).Single());

        // An encrypted PEM key with its password is fine too.
        var stored = await service.ImportAsync(Actors.Admin,
            new CertificateUpload("soon", TestCertificates.CertificatePem(soon), TestCertificates.KeyPem(soon, "key-pass"), "key-pass"));
        Assert.Equal(CertificateExpiry.ExpiringSoon, stored.ExpiryAt(now));
        Assert.Contains("Renew it soon", CertificateExpiryRules.Warning(stored.Name, stored.NotAfter, now));
        Assert.Equal(["soon"], (await service.ListAsync()).Select(c => c.Name));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task GenerateSelfSigned_MakesACertificateForTheFqdn_AndRefusesDuplicates(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TlsCertificateService>();

        var generated = await service.GenerateSelfSignedAsync(Actors.Admin, "", "Smtp.Contoso.Test", 90);

        Assert.Equal("smtp.contoso.test", generated.Name);
        Assert.Equal("CN=smtp.contoso.test", generated.Subject);
        Assert.True(generated.SelfSigned);
        Assert.Equal(["smtp.contoso.test"], generated.DnsNames);
        Assert.InRange((generated.NotAfter - generated.NotBefore).TotalDays, 90, 90.01);

        var sameName = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.GenerateSelfSignedAsync(Actors.Admin, "SMTP.contoso.test", "other.contoso.test", 30));
        Assert.Equal(["There is already a certificate named 'SMTP.contoso.test'."], ErrorsFor(sameName, CertificateFields.Name));
        var badInput = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.GenerateSelfSignedAsync(Actors.Admin, "x", "not a name", 0));
        Assert.NotEmpty(ErrorsFor(badInput, CertificateFields.Fqdn));
        Assert.Equal(["Choose a validity between 1 and 3650 days."], ErrorsFor(badInput, CertificateFields.ValidityDays));

        using var certificate = TestCertificates.Create("twice.contoso.test");
        await service.ImportAsync(Actors.Admin, new CertificateUpload("first", TestCertificates.CombinedPem(certificate)));
        var twice = await Assert.ThrowsAsync<ConfigurationValidationException>(() =>
            service.ImportAsync(Actors.Admin, new CertificateUpload("second", TestCertificates.Pfx(certificate, "p"), Password: "p")));
        Assert.Equal(["This certificate is already stored as 'first'."], ErrorsFor(twice, CertificateFields.CertificateFile));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Delete_IsRefused_While_AReceiveConnectorPresentsIt(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TlsCertificateService>();
        var connectors = node.Get<ReceiveConnectorService>();
        var certificate = await service.GenerateSelfSignedAsync(Actors.Admin, "Submission", "submit.contoso.test", 365);
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Client Frontend");
        frontend.CertificateId = certificate.Id;
        frontend = await connectors.UpdateAsync(Actors.Admin, frontend);

        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.DeleteAsync(Actors.Admin, certificate.Id));
        Assert.Equal(["Submission is presented by receive connector 'Client Frontend'. Choose another certificate (or the node default) for them first."],
            ErrorsFor(refused, CertificateFields.UsedBy));
        Assert.Equal(["Client Frontend"], (await service.UsageAsync())[certificate.Id]);

        frontend.CertificateId = null;
        await connectors.UpdateAsync(Actors.Admin, frontend);
        await service.DeleteAsync(Actors.Admin, certificate.Id);
        Assert.Empty(await service.ListAsync());

        // A connector can only name a stored certificate.
        frontend = (await connectors.ListAsync()).Single(c => c.Name == "Client Frontend");
        frontend.CertificateId = certificate.Id;
        var dangling = await Assert.ThrowsAsync<ConfigurationValidationException>(() => connectors.UpdateAsync(Actors.Admin, frontend));
        Assert.Equal([ReceiveConnectorService.CertificateMissing], ErrorsFor(dangling, nameof(ReceiveConnector.CertificateId)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Changes_AreRefused_When_ActorIsViewOnly_AndRenameKeepsTheCertificate(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TlsCertificateService>();
        using var certificate = TestCertificates.Create("view.contoso.test");
        var upload = new CertificateUpload("view", TestCertificates.CombinedPem(certificate));

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.ImportAsync(Actors.Viewer, upload));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.GenerateSelfSignedAsync(Actors.Viewer, "", "v.contoso.test", 30));
        var stored = await service.ImportAsync(Actors.Admin, upload);
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.RenameAsync(Actors.Viewer, stored.Id, stored.Revision, "mine"));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.DeleteAsync(Actors.Viewer, stored.Id));

        var renamed = await service.RenameAsync(Actors.Admin, stored.Id, stored.Revision, "  Viewer test  ");
        Assert.Equal("Viewer test", renamed.Name);
        Assert.Equal(stored.Thumbprint, renamed.Thumbprint);
        Assert.Equal(stored.ProtectedPkcs12, renamed.ProtectedPkcs12);
        await Assert.ThrowsAsync<ConfigurationConflictException>(() => service.RenameAsync(Actors.Admin, stored.Id, stored.Revision, "stale"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ConfigurationDocument_CarriesTheAssignmentOnly_AndRefusesACertificateThatIsNotStored(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var certificate = await node.Get<TlsCertificateService>().GenerateSelfSignedAsync(Actors.Admin, "Doc", "doc.contoso.test", 30);
        var connectors = node.Get<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.CertificateId = certificate.Id;
        await connectors.UpdateAsync(Actors.Admin, frontend);
        var asCode = node.Get<ConfigurationAsCodeService>();

        var document = await asCode.ExportAsync(Actors.Admin);
        var json = System.Text.Json.JsonSerializer.Serialize(document, ConfigurationDocument.JsonOptions);
        Assert.Contains(certificate.Id.ToString(), json);
        Assert.DoesNotContain(certificate.Thumbprint, json);
        Assert.True((await asCode.PlanAsync(document)).IsValid);

        var index = document.ReceiveConnectors!.FindIndex(c => c.Name == "Default Frontend");
        document.ReceiveConnectors[index].CertificateId = Guid.NewGuid();
        var plan = await asCode.PlanAsync(document);
        Assert.Equal([$"Default Frontend: {ReceiveConnectorService.CertificateMissing}"], plan.Errors[$"receiveConnectors[{index}].CertificateId"]);
    }

    public void Dispose() => stores.Dispose();

    /// <summary>Disposes every certificate of a loaded collection.</summary>
    private sealed class CollectionOwner(System.Security.Cryptography.X509Certificates.X509Certificate2Collection value) : IDisposable
    {
        public System.Security.Cryptography.X509Certificates.X509Certificate2Collection Value { get; } = value;

        public void Dispose()
        {
            foreach (var certificate in Value)
                certificate.Dispose();
        }
    }
}
