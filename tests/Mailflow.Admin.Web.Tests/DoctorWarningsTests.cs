using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Admin.Web.Components.Pages.Recipients;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.Configuration.Doctor;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class DoctorWarningsTests : MudBunitContext
{
    private static readonly AdminActor OrgAdmin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    [Fact]
    public async Task DomainsPage_WarnsThatNoConnectorReachesRelayDomain_When_OneIsAdded()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await Services.GetRequiredService<AcceptedDomainService>().CreateAsync(OrgAdmin, new AcceptedDomain { DomainName = "relay.test", Type = AcceptedDomainType.InternalRelay });

        var page = Render<AcceptedDomains>();

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("#domain-doctor [data-testid=doctor-warning]"),
            w => w.GetAttribute("data-check") == "unreachable-domain" && w.TextContent.Contains("relay.test", StringComparison.Ordinal)), WaitTimeout);
    }

    [Fact]
    public void Component_ShowsAllClear_When_DefaultsHaveNoFindings()
    {
        var component = Render<DoctorWarnings>(p => p.Add(c => c.ShowAllClear, true));

        component.WaitForAssertion(() => Assert.NotEmpty(component.FindAll("#doctor-all-clear")), WaitTimeout);
    }

    private static AngleSharp.Dom.IElement Warning<T>(IRenderedComponent<T> page, string doctorId, string check) where T : Microsoft.AspNetCore.Components.IComponent =>
        page.FindAll($"#{doctorId} [data-testid=doctor-warning]").Single(w => w.GetAttribute("data-check") == check);

    [Fact]
    public void ReceiveConnectorsPage_ShowsTheOpenRelayWarningWithItsFixLink_When_ASavedConnectorRelaysForAnyone()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<ReceiveConnectors>();
        page.WaitForElement("#add-receive-connector", WaitTimeout).Click();
        Assert.Empty(page.FindAll("#receive-doctor [data-testid=doctor-warning]"));

        dialogs.WaitForElement("#rc-name-input", WaitTimeout).Input("Relay for everyone");
        dialogs.Find("#rc-binding-address").Input("127.0.0.1");
        dialogs.Find("#rc-binding-port").Input("2527");
        dialogs.Find("#rc-add-binding").Click();
        dialogs.Find("[data-testid=group-TrustedRelayServers] input").Change(true);
        dialogs.Find("#rc-save").Click();

        page.WaitForAssertion(() => Assert.Contains("Relay for everyone", Warning(page, "receive-doctor", "open-relay").TextContent), WaitTimeout);
        var fix = Warning(page, "receive-doctor", "open-relay").QuerySelector("a")!;
        Assert.Equal(ConfigurationDoctor.ReceiveConnectorsPath, fix.GetAttribute("href"));
        Assert.Contains("every address", Warning(page, "receive-doctor", "open-relay").TextContent);
    }

    [Fact]
    public async Task SendConnectorsPage_WarnsThatLargeMessagesBounce_When_ASavedConnectorTakesLessThanTheOrganizationAllows()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await Services.GetRequiredService<SendConnectorService>().CreateAsync(OrgAdmin, new SendConnector { Name = "Internet", AddressSpaces = [new AddressSpace("*", 1)] });
        var (_, dialogs) = RenderProviders();
        var page = Render<SendConnectors>();
        page.WaitForElement("[data-testid=edit-Internet]", WaitTimeout).Click();
        Assert.Empty(page.FindAll("#send-doctor [data-testid=doctor-warning]"));

        dialogs.WaitForElement("#sc-max-size", WaitTimeout).Input("10");
        dialogs.Find("#sc-save").Click();

        page.WaitForAssertion(() => Assert.Contains("Internet cannot send messages the organization allows", Warning(page, "send-doctor", "size-limits").TextContent), WaitTimeout);
        Assert.Equal(ConfigurationDoctor.SendConnectorsPath, Warning(page, "send-doctor", "size-limits").QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task RulesPage_LinksToTheRule_When_TheConnectorItRoutesThroughIsRemoved()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var connectors = Services.GetRequiredService<SendConnectorService>();
        var partner = await connectors.CreateAsync(OrgAdmin, new SendConnector { Name = "Partner", AddressSpaces = [new AddressSpace("partner.test", 1)] });
        var rule = await Services.GetRequiredService<TransportRuleService>().CreateAsync(OrgAdmin, new TransportRule
        {
            Name = "Legal via partner",
            Definition = { Actions = [new RuleAction { Kind = "RouteThroughConnector", Arguments = { ["Connector"] = "Partner" } }] },
        });
        await connectors.DeleteAsync(OrgAdmin, partner.Id);

        var page = Render<Rules>();

        page.WaitForAssertion(() => Assert.Contains("Partner", Warning(page, "rule-doctor", "rule-missing-connector").TextContent), WaitTimeout);
        Assert.Equal(ConfigurationDoctor.RulePath(rule.Id), Warning(page, "rule-doctor", "rule-missing-connector").QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task RecipientsPage_WarnsThatARuleNamesTheGroup_When_TheGroupIsRemoved()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var group = await Services.GetRequiredService<RecipientService>().CreateAsync(OrgAdmin,
            new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "legal@mailflow.local" });
        var rule = await Services.GetRequiredService<TransportRuleService>().CreateAsync(OrgAdmin, new TransportRule
        {
            Name = "Legal disclaimer",
            Definition =
            {
                Conditions = [new RulePredicate { Kind = "AnyRecipientMemberOf", Values = [group.Id.ToString()] }],
                Actions = [new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = "[Legal] " } }],
            },
        });
        var (_, dialogs) = RenderProviders();
        var page = Render<RecipientsPage>();
        page.WaitForElement("[data-testid='remove-legal@mailflow.local']", WaitTimeout).Click();
        Assert.Empty(page.FindAll("#recipient-doctor [data-testid=doctor-warning]"));

        dialogs.WaitForElement(".mud-message-box .mud-dialog-actions button:last-child", WaitTimeout).Click();

        page.WaitForAssertion(() => Assert.Contains("never matches", Warning(page, "recipient-doctor", "rule-missing-group").TextContent), WaitTimeout);
        Assert.Equal(ConfigurationDoctor.RulePath(rule.Id), Warning(page, "recipient-doctor", "rule-missing-group").QuerySelector("a")!.GetAttribute("href"));
    }
}
