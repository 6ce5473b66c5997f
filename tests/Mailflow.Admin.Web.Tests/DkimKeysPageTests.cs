using Mailflow.Admin.Web.Components.Pages.Settings;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class DkimKeysPageTests : MudBunitContext
{
    private static readonly AdminActor Admin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    /// <summary>Stands in for the server's DNS check (the real one is tested against a loopback zone in Mailflow.Api.Tests).</summary>
    private sealed class MissingEverywhere : IDkimDnsCheck
    {
        public Task<DkimDnsCheckResult> CheckAsync(DkimSigningKey key, CancellationToken cancellationToken = default) =>
            Task.FromResult(new DkimDnsCheckResult(DkimDnsStatus.Missing, key.DnsRecordName, key.DnsRecordValue, null,
                $"DNS has no TXT record at {key.DnsRecordName}. Publish {key.DnsRecordName} TXT \"{key.DnsRecordValue}\"."));
    }

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IDkimDnsCheck, MissingEverywhere>();

    private IRenderedComponent<DkimKeysPage> RenderPage()
    {
        var page = Render<DkimKeysPage>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task Generate_lists_the_key_with_the_txt_record_to_publish_and_signing_off()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = RenderPage();
        Assert.NotEmpty(page.FindAll("#dkim-keys-empty"));

        page.Find("#dkim-selector").Input("mf2026a");
        page.Find("#dkim-generate").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("#dkim-keys tbody tr")), WaitTimeout);
        var domain = (await Services.GetRequiredService<DkimKeyService>().ListAsync()).Single().Domain;
        Assert.Equal($"mf2026a._domainkey.{domain}", page.Find("[data-testid=dkim-record]").TextContent.Trim());
        Assert.StartsWith("v=DKIM1; k=rsa; p=MIIBIjAN", page.Find("[data-testid=dkim-txt]").TextContent.Trim());
        Assert.Contains("Off", page.Find("[data-testid=dkim-signing]").TextContent);
    }

    [Fact]
    public void Invalid_selector_is_refused_next_to_the_field()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = RenderPage();
        page.Find("#dkim-selector").Input("not a selector!");
        page.Find("#dkim-generate").Click();
        page.WaitForAssertion(() => Assert.Contains("A selector is one or more DNS labels", page.Find("#generate-key").TextContent), WaitTimeout);
        Assert.NotEmpty(page.FindAll("#dkim-keys-empty"));
    }

    [Fact]
    public void View_only_sees_the_keys_but_cannot_generate()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        var page = RenderPage();
        Assert.Empty(page.FindAll("#generate-key"));
        Assert.NotEmpty(page.FindAll("#read-only-notice"));
    }

    [Fact]
    public async Task Rotate_adds_a_pending_key_check_dns_says_what_to_publish_and_a_bad_schedule_is_refused_next_to_the_field()
    {
        var keys = Services.GetRequiredService<DkimKeyService>();
        var domain = (await Services.GetRequiredService<AcceptedDomainService>().ListAsync()).First().DomainName;
        var active = await keys.GenerateAsync(Admin, domain, "mf1", DkimKeyAlgorithm.Ed25519, enabled: true);
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = RenderPage();
        Assert.Contains("Active", page.Find("[data-testid=dkim-state]").TextContent);

        page.Find("#dkim-rotate").Click();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("#dkim-keys tbody tr").Count), WaitTimeout);
        var pendingRow = page.FindAll("#dkim-keys tbody tr").Single(r => r.TextContent.Contains("Pending"));
        Assert.Contains("signs once DNS serves its record", pendingRow.TextContent);

        page.FindAll("[data-testid=dkim-check-dns]")[0].Click();
        page.WaitForAssertion(() => Assert.Contains("Publish ", page.Find("[data-testid=dkim-dns-check]").TextContent), WaitTimeout);

        var activeRow = page.FindAll("#dkim-keys tbody tr").Single(r => r.TextContent.Contains(active.DnsRecordName));
        activeRow.QuerySelector("input[data-testid=dkim-schedule], [data-testid=dkim-schedule] input")!.Change("2");
        page.WaitForAssertion(() => Assert.Contains("Rotate every 7 to 3650 days", page.Find("#dkim-keys").TextContent), WaitTimeout);
        Assert.Null((await keys.GetAsync(active.Id))!.RotateEveryDays);
    }

    [Fact]
    public async Task Import_refuses_a_non_key_next_to_the_field_and_takes_a_pem_key()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = RenderPage();
        page.Find("#dkim-selector").Input("imp1");
        page.Find("#dkim-pem").Change("hello");
        page.Find("#dkim-import").Click();
        page.WaitForAssertion(() => Assert.Contains("PEM private key", page.Find("#generate-key").TextContent), WaitTimeout);

        var pair = DkimKeyMaterial.Generate(DkimKeyAlgorithm.Ed25519);
        page.Find("#dkim-pem").Change("-----BEGIN PRIVATE KEY-----\n" + Convert.ToBase64String(pair.Pkcs8) + "\n-----END PRIVATE KEY-----\n");
        page.Find("#dkim-import").Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("#dkim-keys tbody tr")), WaitTimeout);
        Assert.EndsWith(pair.PublicKey, page.Find("[data-testid=dkim-txt]").TextContent.Trim());
        Assert.Equal(pair.PublicKey, Assert.Single(await Services.GetRequiredService<DkimKeyService>().ListAsync()).PublicKey);
        Assert.DoesNotContain("BEGIN PRIVATE KEY", page.Markup);
    }
}
