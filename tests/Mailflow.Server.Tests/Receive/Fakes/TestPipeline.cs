using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.BuiltIn;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Server.Tests.Receive.Fakes;

/// <summary>Session dependencies with the built-in agents a node registers, over a fake directory and an empty configuration.</summary>
public static class TestPipeline
{
    public static TransportAgentPipeline BuiltIn(IAddressAuthority authority, TimeProvider time, params ITransportAgent[] extra) =>
        new([
            new MessageLimitsAgent(),
            new RelayAgent(authority),
            new SendAsAgent(),
            new AuthFailureLimitAgent(),
            new SubmissionHeadersAgent(time),
            new EndOfDataRulesAgent(new TransportRuleEvaluator(time)),
            .. extra,
        ], time, NullLogger<TransportAgentPipeline>.Instance);

    public static SessionDependencies Dependencies(
        Transport.IMessageSink sink,
        IAddressAuthority authority,
        ISubmissionAuthenticator? authenticator,
        IProtocolLog protocolLog,
        TimeProvider time,
        TransportConfig? snapshot = null,
        IAgentDecisionLog? decisions = null,
        params ITransportAgent[] extraAgents) =>
        new(sink, BuiltIn(authority, time, extraAgents), () => snapshot ?? TransportConfig.Empty, authenticator, protocolLog, time, NullLogger.Instance, decisions);
}
