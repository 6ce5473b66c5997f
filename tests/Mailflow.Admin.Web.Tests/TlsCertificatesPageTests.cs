using System.Text;
using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Admin.Web.Components.Pages.Settings;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Configuration.Doctor;
using Mailflow.Identity;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Tests;

public sealed class TlsCertificatesPageTests : MudBunitContext
{
    private readonly AdjustableTime _time = new();

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<INodeCertificateStatus, FixedNodeCertificate>();
    }

    private static readonly AdminActor Admin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    private TlsCertificateService Certificates => Services.GetRequiredService<TlsCertificateService>();

    private IRenderedComponent<TlsCertificatesPage> RenderPage()
    {
        var page = Render<TlsCertificatesPage>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    private static void Upload(IRenderedComponent<MudDialogProvider> dialogs, int index, byte[] content, string fileName) =>
        dialogs.FindComponents<MudFileUpload<IBrowserFile>>()[index].FindComponent<InputFile>()
            .UploadFiles(InputFileContent.CreateFromBinary(content, fileName));

    [Fact]
    public void Page_WhenNothingIsStored_ExplainsWhatToDoAndShowsTheNodeDefault()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);

        var page = RenderPage();

        Assert.Contains("use Upload certificate with a PEM file", page.Find("#certificates-empty").TextContent);
        // The node certificate loads after the list (off the render thread).
        Assert.Equal("CN=node.mailflow.test", page.WaitForElement("#tls-subject", WaitTimeout).TextContent);
        Assert.NotEmpty(page.FindAll("#upload-certificate"));
        Assert.NotEmpty(page.FindAll("#generate-certificate"));
    }

    [Fact]
    public async Task List_ShowsExpiryChipsAndTheConnectorsUsingEachCertificate()
    {
        var fresh = await Certificates.GenerateSelfSignedAsync(Admin, "Fresh", "fresh.contoso.test", 365);
        await Certificates.GenerateSelfSignedAsync(Admin, "Soon", "soon.contoso.test", 10);
        var connectors = Services.GetRequiredService<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Client Frontend");
        frontend.CertificateId = fresh.Id;
        await connectors.UpdateAsync(Admin, frontend);
        SignInAs("alice", AdminRoles.OrganizationManagement);

        var page = RenderPage();

        var rows = page.FindAll("#certificates tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal("Fresh", rows[0].QuerySelector("[data-testid=certificate-name]")!.TextContent.Trim());
        Assert.Equal("fresh.contoso.test", rows[0].QuerySelector("[data-testid=certificate-sans]")!.TextContent.Trim());
        Assert.Equal("Client Frontend", rows[0].QuerySelector("[data-testid=certificate-used-by]")!.TextContent.Trim());
        Assert.Contains("mud-chip-color-success", rows[0].QuerySelector("[data-testid=certificate-expiry]")!.ClassName);
        Assert.Equal("—", rows[1].QuerySelector("[data-testid=certificate-used-by]")!.TextContent.Trim());
        var soon = rows[1].QuerySelector("[data-testid=certificate-expiry]")!;
        Assert.Matches(@"Expires in (9|10) days", soon.TextContent);
        Assert.Contains("mud-chip-color-warning", soon.ClassName);

        // Four hundred days on, both have expired.
        _time.Offset = TimeSpan.FromDays(400);
        var later = RenderPage();
        Assert.All(later.FindAll("[data-testid=certificate-expiry]"), chip =>
        {
            Assert.Equal("Expired", chip.TextContent.Trim());
            Assert.Contains("mud-chip-color-error", chip.ClassName);
        });
    }

    [Fact]
    public async Task Page_WhenViewOnly_ListsCertificatesButOffersNoChanges()
    {
        await Certificates.GenerateSelfSignedAsync(Admin, "Listed", "listed.contoso.test", 90);
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.Contains("needs the Organization Management role", page.Find("#read-only-notice").TextContent);
        Assert.Equal("Listed", page.Find("[data-testid=certificate-name]").TextContent.Trim());
        Assert.Empty(page.FindAll("#upload-certificate"));
        Assert.Empty(page.FindAll("#generate-certificate"));
        Assert.Empty(page.FindAll("[data-testid^=delete-]"));
        Assert.Empty(page.FindAll("[data-testid^=rename-]"));
        page.WaitForElement("#tls-subject", WaitTimeout);
        Assert.Empty(page.FindAll("#tls-generate"));
    }

    [Fact]
    public void UploadDialog_ShowsThePlainLanguageMessageNextToTheField_When_FileOrPasswordIsWrong()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();
        using var certificate = TestCertificates.Create("upload.contoso.test");
        using var other = TestCertificates.Create("other.contoso.test");

        page.Find("#upload-certificate").Click();
        dialogs.WaitForElement("#upload-certificate-save", WaitTimeout).Click();
        dialogs.WaitForAssertion(() => Assert.Equal("Choose a certificate file (.pem, .crt, .pfx or .p12).", dialogs.Find("[data-testid=certificate-file-error]").TextContent), WaitTimeout);

        Upload(dialogs, 0, Encoding.UTF8.GetBytes("just some notes"), "notes.pem");
        dialogs.Find("#upload-certificate-save").Click();
        dialogs.WaitForAssertion(() => Assert.Equal("The file is not a PEM or PFX certificate.", dialogs.Find("[data-testid=certificate-file-error]").TextContent), WaitTimeout);

        Upload(dialogs, 0, TestCertificates.CertificatePem(certificate), "cert.pem");
        Upload(dialogs, 1, TestCertificates.KeyPem(other), "other.key");
        dialogs.Find("#upload-certificate-save").Click();
        dialogs.WaitForAssertion(() => Assert.Equal("The private key does not match the certificate.", dialogs.Find("[data-testid=key-file-error]").TextContent), WaitTimeout);

        Upload(dialogs, 0, TestCertificates.Pfx(certificate, "right-one"), "cert.pfx");
        dialogs.Find("#certificate-password-input").Input("wrong-one");
        dialogs.Find("#upload-certificate-save").Click();
        dialogs.WaitForAssertion(() =>
            Assert.Equal("The password does not open this PFX.", dialogs.Find("[data-testid=certificate-password-field] .mud-input-helper-text").TextContent.Trim()), WaitTimeout);

        dialogs.Find("#certificate-password-input").Input("right-one");
        dialogs.Find("#certificate-name-input").Input("Uploaded in the dialog");
        dialogs.Find("#upload-certificate-save").Click();
        page.WaitForAssertion(() => Assert.Equal("Uploaded in the dialog", page.Find("[data-testid=certificate-name]").TextContent.Trim()), WaitTimeout);
        Assert.Equal("CN=upload.contoso.test", page.Find("[data-testid=certificate-subject]").TextContent.Trim());
    }

    [Fact]
    public async Task ReceiveConnectorEditor_PicksAStoredCertificate_InsteadOfTheNodeDefault()
    {
        var stored = await Certificates.GenerateSelfSignedAsync(Admin, "Submission cert", "submit.contoso.test", 365);
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (popovers, dialogs) = RenderProviders();
        var page = Render<ReceiveConnectors>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid='edit-Client Frontend']")), WaitTimeout);

        page.Find("[data-testid='edit-Client Frontend']").Click();
        var select = dialogs.WaitForElement("[data-testid=rc-certificate-field]", WaitTimeout);
        Assert.Contains("Node default certificate", select.InnerHtml);
        select.QuerySelector(".mud-input-control")!.MouseDown();
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-list-item"), i => i.TextContent.Contains("Submission cert")), WaitTimeout);
        popovers.FindAll(".mud-list-item").First(i => i.TextContent.Contains("Submission cert")).Click();
        dialogs.Find("#rc-save").Click();

        var connectors = Services.GetRequiredService<ReceiveConnectorService>();
        await page.WaitForAssertionAsync(async () => Assert.Equal(stored.Id, (await connectors.ListAsync()).Single(c => c.Name == "Client Frontend").CertificateId), WaitTimeout);
    }

    [Fact]
    public async Task RenameDialog_ShowsTheServiceMessageNextToTheName_AndRenamesInTheList()
    {
        await Certificates.GenerateSelfSignedAsync(Admin, "Taken", "taken.contoso.test", 365);
        await Certificates.GenerateSelfSignedAsync(Admin, "Old name", "old.contoso.test", 365);
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='rename-Old name']").Click();
        var input = dialogs.WaitForElement("#rename-certificate-name-input", WaitTimeout);
        Assert.Equal("Old name", input.GetAttribute("value"));
        input.Input("   ");
        dialogs.Find("#rename-certificate-save").Click();
        dialogs.WaitForAssertion(() => Assert.Equal("Give the certificate a name.",
            dialogs.Find("[data-testid=rename-certificate-name-field] .mud-input-helper-text").TextContent.Trim()), WaitTimeout);

        dialogs.Find("#rename-certificate-name-input").Input("taken");
        dialogs.Find("#rename-certificate-save").Click();
        dialogs.WaitForAssertion(() => Assert.Equal("There is already a certificate named 'taken'.",
            dialogs.Find("[data-testid=rename-certificate-name-field] .mud-input-helper-text").TextContent.Trim()), WaitTimeout);
        Assert.Empty(dialogs.FindAll("#rename-certificate-error"));

        dialogs.Find("#rename-certificate-name-input").Input("MX 2026");
        dialogs.Find("#rename-certificate-save").Click();

        page.WaitForAssertion(() => Assert.Equal(["MX 2026", "Taken"],
            page.FindAll("[data-testid=certificate-name]").Select(n => n.TextContent.Trim())), WaitTimeout);
        Assert.Empty(dialogs.FindAll("#rename-certificate-dialog"));
        Assert.Equal(["MX 2026", "Taken"], (await Certificates.ListAsync()).Select(c => c.Name));
    }

    [Fact]
    public async Task Page_ShowsTheDoctorsCertificateFindings_When_AConnectorPresentsAnExpiringCertificateForAnotherName()
    {
        var soon = await Certificates.GenerateSelfSignedAsync(Admin, "Soon", "soon.contoso.test", 10);
        var connectors = Services.GetRequiredService<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Client Frontend");
        frontend.CertificateId = soon.Id;
        frontend.Fqdn = "mail.contoso.test";
        await connectors.UpdateAsync(Admin, frontend);
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("#certificate-doctor [data-testid=doctor-warning]").Count), WaitTimeout);
        var expiring = page.Find("#certificate-doctor [data-check=certificate-expiring]");
        Assert.Matches(@"The certificate Soon on Client Frontend expires in (9|10) days", expiring.TextContent);
        Assert.Contains("mud-alert-text-warning", expiring.ClassName);
        Assert.Equal(ConfigurationDoctor.TlsCertificatesPath, expiring.QuerySelector("a")!.GetAttribute("href"));
        var mismatch = page.Find("#certificate-doctor [data-check=certificate-name-mismatch]");
        Assert.Contains("Client Frontend's certificate Soon does not name mail.contoso.test", mismatch.TextContent);
        Assert.Equal(ConfigurationDoctor.ReceiveConnectorsPath, mismatch.QuerySelector("a")!.GetAttribute("href"));

        // A year on, the certificate has expired: the finding turns into an error.
        _time.Offset = TimeSpan.FromDays(365);
        var later = RenderPage();
        later.WaitForAssertion(() => Assert.Contains("mud-alert-text-error", later.Find("#certificate-doctor [data-check=certificate-expired]").ClassName), WaitTimeout);
        Assert.Contains("Client Frontend presents the expired certificate Soon", later.Find("#certificate-doctor [data-check=certificate-expired]").TextContent);
    }

    /// <summary>Real time plus an offset the test moves.</summary>
    private sealed class AdjustableTime : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    private sealed class FixedNodeCertificate : INodeCertificateStatus
    {
        public NodeCertificateSummary Current { get; } = new("CN=node.mailflow.test", ["node.mailflow.test"], "CN=node.mailflow.test",
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2), "AB12", SelfSigned: true, Configured: false);

        public bool IsConfigured => false;

        public NodeCertificateSummary GenerateSelfSigned(AdminActor actor) => Current;
    }
}
