using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.WhatIf;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>Issue 14 item 10: the small traps of daily work, each as the admin meets it.</summary>
public sealed class SmallTrapsTests : MudBunitContext
{
    private readonly TwoRecipientTester _tester = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IMailFlowTester>(_tester);

    private SendConnectorService Connectors => Services.GetRequiredService<SendConnectorService>();

    [Fact]
    public void SendConnectorDialog_BeforeAnythingIsTyped_DoesNotAskForASmartHostYet()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<SendConnectors>();
        page.WaitForElement("#add-send-connector", WaitTimeout).Click();
        dialogs.WaitForElement("#sc-name-input", WaitTimeout).Input("Relay through the provider");

        dialogs.Find("#sc-routing input[value=SmartHost], #sc-routing .mud-radio:nth-of-type(2) input").Click();

        dialogs.WaitForElement("#sc-smart-host-input", WaitTimeout);
        Assert.Empty(dialogs.FindAll("[data-testid=sc-smart-hosts-error]"));
    }

    [Fact]
    public async Task SendConnectorDialog_WhenASmartHostIsTypedButNotAdded_SavesItInsteadOfDroppingIt()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<SendConnectors>();
        page.WaitForElement("#add-send-connector", WaitTimeout).Click();
        dialogs.WaitForElement("#sc-name-input", WaitTimeout).Input("Relay through the provider");
        dialogs.Find("#sc-space-input").Input("*");
        dialogs.Find("#sc-routing input[value=SmartHost], #sc-routing .mud-radio:nth-of-type(2) input").Click();
        dialogs.WaitForElement("#sc-smart-host-input", WaitTimeout).Input("smtp.relay-provider.example:587");

        dialogs.Find("#sc-save").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var saved = Assert.Single(await Connectors.ListAsync(), c => c.Name == "Relay through the provider");
            Assert.Equal(["smtp.relay-provider.example:587"], saved.SmartHosts);
            Assert.Equal("*", Assert.Single(saved.AddressSpaces).Domain);
        }, WaitTimeout);
    }

    [Fact]
    public void TestMailFlow_WhenOneOfTwoRecipientsIsRefused_IsAWarningThatSaysSo()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();
        page.WaitForElement("#test-sender", WaitTimeout).Change("someone@internet.example");
        page.Find("#test-recipients").Change("anna@mailflow.local, nobody@mailflow.local");

        page.Find("#run-test").Click();

        page.WaitForAssertion(() =>
        {
            var summary = page.Find("#test-summary");
            Assert.Contains("mud-alert-text-warning", summary.ClassName);
            Assert.Contains("1 of 2 recipients would be refused at RCPT TO", summary.TextContent);
        }, WaitTimeout);
        Assert.Contains("Not matched", page.Find("#test-rules").TextContent);
        Assert.DoesNotContain("NotMatched", page.Markup);
        Assert.DoesNotContain("TemporaryFailure", page.Markup);
    }

    [Fact]
    public void RuleSummary_WhileAConditionIsNotChosenYet_SaysToPickOneInsteadOfAnUnknownCondition()
    {
        var definition = new RuleDefinition
        {
            Conditions = [new RulePredicate { Kind = "" }],
            Actions = [new RuleAction { Kind = "" }],
        };

        var summary = RuleSummary.Describe(definition);

        Assert.Equal("If … (pick a condition), … (pick an action).", summary);
        Assert.DoesNotContain("unknown", summary);
    }

    [Theory]
    [InlineData("TemporaryFailure", "Temporary failure")]
    [InlineData("NotMatched", "Not matched")]
    [InlineData("DeleteSilently", "Delete silently")]
    [InlineData("Dsn", "Dsn")]
    public void Words_OfAnEngineName_AreWhatAnAdminReads(string name, string words) => Assert.Equal(words, DisplayText.Words(name));

    [Theory]
    [InlineData("Tls13", "TLS 1.3")]
    [InlineData("Tls12", "TLS 1.2")]
    public void TlsProtocol_AsPeopleWriteIt(string protocol, string text) => Assert.Equal(text, DisplayText.TlsProtocol(protocol));

    [Fact]
    public void KeyboardHelp_WhenQuestionMarkIsPressed_ListsTheShortcuts()
    {
        var (_, dialogs) = RenderProviders();
        var help = Render<KeyboardHelp>();

        help.InvokeAsync(() => help.Instance.OpenHelp());

        dialogs.WaitForAssertion(() => Assert.Equal(3, dialogs.FindAll("#keyboard-help [data-testid=shortcut]").Count), WaitTimeout);
        Assert.Contains("Search", dialogs.Find("#keyboard-help").TextContent);
    }

    /// <summary>Stands in for the engine: the first recipient accepted, the second refused, one rule not matched.</summary>
    private sealed class TwoRecipientTester : IMailFlowTester
    {
        public Task<MailFlowTestResult> TestAsync(MailFlowTestRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new MailFlowTestResult(
                new ConnectionTest("192.0.2.1", "0.0.0.0:25", "Default Frontend", ["SubmitToAcceptedDomains"], "Default Frontend takes the client.", []),
                [
                    new RecipientAcceptanceTest(request.Recipients[0], true, null, "An existing mailbox."),
                    new RecipientAcceptanceTest(request.Recipients[1], false, "550 5.1.1 Recipient address rejected: user unknown", "No such recipient."),
                ],
                new RulesTest([new RuleTest(Guid.NewGuid(), "Tag invoices", 0, "Enforce", "NotMatched", false, "If the subject includes 'invoice', tag it.", [], [], [], false)],
                    new RuleOutcomeTest("Deliver", "No rule changed the message.", [request.Recipients[0]], null, false, null, []), []),
                [],
                [new RoutingTest(request.Recipients[0], "Maildir", "local:maildir", null, null, null, [], "A mailbox on this server.", null, [],
                    new MxTest("mailflow.local", "TemporaryFailure", [], "SERVFAIL"))],
                "Default Frontend takes the connection; 1 of 2 recipient(s) accepted."));
    }
}
