using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Identity;
using Mailflow.WhatIf;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>
/// The page collects the form into a request and shows the tester's answer. The engine's decisions
/// themselves are tested against the real server in Mailflow.Api.Tests (OperationsApiTests); here a
/// recording tester stands in for it, because the admin center library does not contain the engine.
/// </summary>
public sealed class TestMailFlowPageTests : MudBunitContext
{
    private readonly RecordingTester _tester = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IMailFlowTester>(_tester);

    private sealed class RecordingTester : IMailFlowTester
    {
        public MailFlowTestRequest? Request { get; private set; }

        public Task<MailFlowTestResult> TestAsync(MailFlowTestRequest request, CancellationToken cancellationToken = default)
        {
            Request = request;
            var recipient = request.Recipients[0];
            return Task.FromResult(new MailFlowTestResult(
                new ConnectionTest(request.ClientIp ?? "192.0.2.1", "0.0.0.0:25", "Default Frontend", ["SubmitToAcceptedDomains"], "Default Frontend takes the client.",
                    [new ReceiveConnectorCandidateTest("Default Frontend", true, "Chosen: it accepts every client address.")]),
                [new RecipientAcceptanceTest(recipient, true, null, "mailflow.local is an accepted domain.")],
                new RulesTest(
                    [new RuleTest(Guid.NewGuid(), "Tag confidential", 0, "Enforce", "Matched", true, "Every condition matched.",
                        [new PredicateTest("SubjectContainsWords", "the subject includes any of these words", true, $"The subject contains “{request.Subject}”.", null)],
                        [], ["Set header X-Tag: 1"], false)],
                    new RuleOutcomeTest("Deliver", "Delivered after the actions of “Tag confidential”.", [recipient], null, false, null, ["Tag confidential: set header X-Tag: 1"]),
                    []),
                [new RecipientResolutionTest(recipient, [new ResolvedRecipientTest("member@mailflow.local", "Mailbox",
                    [new ResolutionStepTest("Expand", recipient, "member@mailflow.local", "Expanded group team@mailflow.local")], null)], [])],
                [new RoutingTest("member@mailflow.local", "Maildir", "local:maildir", null, null, null, [], "A mailbox on this server.", null, [], null)],
                "Default Frontend takes the connection; 1 of 1 recipient(s) accepted.")
            {
                Agents = Verdicts,
                AddedHeaders = AddedHeaders,
            });
        }

        public IReadOnlyList<AgentVerdictTest> Verdicts { get; set; } = [];
        public IReadOnlyList<string> AddedHeaders { get; set; } = [];
    }

    [Fact]
    public void Test_ShowsEachTransportAgentsVerdict()
    {
        _tester.Verdicts =
        [
            new AgentVerdictTest("Connection filter", "connect", "accepted", null, "192.0.2.1 is on the IP allow list", null, false),
            new AgentVerdictTest("Relay and recipient check", "RCPT TO", "rejected", "550 5.1.1 Recipient address rejected: user unknown", "no such recipient", "ghost@mailflow.local", true),
        ];
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();
        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("#run-test").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=agent-verdict]").Count), WaitTimeout);
        var rows = page.FindAll("[data-testid=agent-verdict]");
        Assert.Contains("192.0.2.1 is on the IP allow list", rows[0].TextContent);
        Assert.Contains("RCPT TO (ghost@mailflow.local)", rows[1].TextContent);
        Assert.Contains("550 5.1.1 Recipient address rejected: user unknown — no such recipient", rows[1].TextContent);
    }

    [Fact]
    public void Test_SendsHeloAndClientAndShowsTheSenderAuthenticationVerdictAndHeader()
    {
        _tester.Verdicts =
        [
            new AgentVerdictTest("Sender authentication (SPF, DKIM, DMARC)", "end of data", "passed", null,
                "spf=fail (fabrikam.test), dkim=none, dmarc=fail (fabrikam.test) — neither SPF nor DKIM passed in alignment", null, false),
        ];
        _tester.AddedHeaders = ["Authentication-Results: mx.mailflow.local;\tspf=fail smtp.mailfrom=ceo@fabrikam.test;\tdkim=none;\tdmarc=fail (p=reject dis=reject) header.from=fabrikam.test"];
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();
        page.Find("#test-sender").Change("ceo@fabrikam.test");
        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("#test-client-ip").Change("198.51.100.7");
        page.Find("#test-helo").Change("mail.fabrikam.test");
        page.Find("#run-test").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=agent-added-header]")), WaitTimeout);
        Assert.Equal(("198.51.100.7", "mail.fabrikam.test", "ceo@fabrikam.test"), (_tester.Request!.ClientIp, _tester.Request.HeloName, _tester.Request.Sender));
        Assert.Contains("spf=fail (fabrikam.test), dkim=none, dmarc=fail (fabrikam.test)", page.Find("[data-testid=agent-verdict]").TextContent);
        Assert.Contains("dmarc=fail (p=reject dis=reject) header.from=fabrikam.test", page.Find("[data-testid=agent-added-header]").TextContent);
    }

    [Fact]
    public void Test_WhenNoAgentCommented_SaysSo()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();
        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("#run-test").Click();
        page.WaitForAssertion(() => Assert.Contains("Every transport agent let the message through", page.Find("#test-agents").TextContent), WaitTimeout);
    }

    [Fact]
    public void Test_WhenRequireTlsIsSwitchedOn_AsksAsIfMailFromCarriedRequireTls()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();

        page.Find("#test-sender").Change("boss@contoso.test");
        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("input#test-requiretls, #test-requiretls input").Change(true);
        page.Find("#run-test").Click();

        page.WaitForAssertion(() => Assert.True(Assert.IsType<MailFlowTestRequest>(_tester.Request).RequireTls), WaitTimeout);
    }

    [Fact]
    public void Test_WhenFormIsFilled_SendsTheRequestAndShowsEveryPanel()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();

        page.Find("#test-sender").Change("boss@contoso.test");
        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("#test-client-ip").Change("203.0.113.9");
        page.Find("#test-subject").Change("confidential plans");
        page.Find("#run-test").Click();

        page.WaitForAssertion(() => Assert.Contains("1 of 1 recipient(s) accepted", page.Find("#test-summary").TextContent), WaitTimeout);
        var request = Assert.IsType<MailFlowTestRequest>(_tester.Request);
        Assert.Equal("boss@contoso.test", request.Sender);
        Assert.Equal(["team@mailflow.local"], request.Recipients);
        Assert.Equal("203.0.113.9", request.ClientIp);
        Assert.Equal("confidential plans", request.Subject);
        Assert.False(request.Authenticated);

        Assert.Contains("Chosen: it accepts every client address.", page.Find("#test-connection").TextContent);
        Assert.Contains("mailflow.local is an accepted domain.", page.Find("#test-acceptance").TextContent);
        Assert.Contains("The subject contains “confidential plans”.", page.Find("#test-rules").TextContent);
        Assert.Contains("Expanded group team@mailflow.local", page.Find("#test-resolution").TextContent);
        Assert.Contains("local:maildir", page.Find("#test-routing").TextContent);
    }

    [Fact]
    public void Test_WhenExtraHeadersAreGiven_SendsThemWithTheRequest()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();

        page.Find("#test-sender").Change("boss@contoso.test");
        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("#test-headers").Change("X-Priority: 1\nX-Campaign:  spring ");
        page.Find("#run-test").Click();

        page.WaitForAssertion(() => Assert.NotNull(_tester.Request), WaitTimeout);
        var headers = Assert.IsAssignableFrom<IReadOnlyDictionary<string, string>>(_tester.Request!.Headers);
        Assert.Equal("1", headers["X-Priority"]);
        Assert.Equal("spring", headers["X-Campaign"]);
        Assert.Null(_tester.Request.Eml);
    }

    [Fact]
    public void Test_WhenAHeaderLineHasNoColon_ExplainsNextToTheFieldAndDoesNotRun()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();

        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("#test-headers").Change("X-Priority 1");
        page.Find("#run-test").Click();

        page.WaitForAssertion(() => Assert.Contains("“X-Priority 1” is not a header: write it as Name: value.", page.Markup), WaitTimeout);
        Assert.Null(_tester.Request);
    }

    [Fact]
    public void Test_WhenAnEmlIsUploaded_SendsItsContentInsteadOfTheFields()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var page = Render<TestMailFlow>();
        const string Eml = "From: boss@contoso.test\r\nTo: team@mailflow.local\r\nSubject: quarterly invoice\r\n\r\nPlease pay.\r\n";

        page.Find("#test-sender").Change("boss@contoso.test");
        page.Find("#test-recipients").Change("team@mailflow.local");
        page.Find("#test-subject").Change("ignored subject");
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Eml, "invoice.eml"));
        page.WaitForAssertion(() => Assert.Contains("invoice.eml", page.Find("[data-testid=eml-name]").TextContent), WaitTimeout);
        Assert.True(page.Find("#test-subject").HasAttribute("disabled"));
        page.Find("#run-test").Click();

        page.WaitForAssertion(() => Assert.NotNull(_tester.Request), WaitTimeout);
        Assert.Equal(Eml, _tester.Request!.Eml);
        Assert.Equal(["team@mailflow.local"], _tester.Request.Recipients);
    }
}
