using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport.Agents.BuiltIn;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Tracking;

namespace Mailflow.Server.Tests.Receive;

/// <summary>The dashboard counts refusals by the built-in agents' display names (the admin center cannot reference the engine): they must stay in step.</summary>
public sealed class SmtpRefusalNamesTests
{
    [Fact]
    public void BuiltInAgents_DisplayNames_AreTheNamesTheRefusalCountsLookFor()
    {
        Assert.Equal(SmtpRefusal.RelayAgentDisplayName, new RelayAgent(new FakeAddressAuthority()).DisplayName);
        Assert.Equal(SmtpRefusal.AuthFailureAgentDisplayName, new AuthFailureLimitAgent().DisplayName);
        Assert.Equal(SmtpRefusal.RulesAgentDisplayName, new EndOfDataRulesAgent(new TransportRuleEvaluator(TimeProvider.System)).DisplayName);
    }
}
