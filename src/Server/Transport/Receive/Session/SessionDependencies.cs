using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Policy;
using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>What every session on this node shares: the submission sink, the agent pipeline and the protocol seams.</summary>
/// <param name="Authenticator">Null: AUTH PLAIN/LOGIN is never offered.</param>
/// <param name="BearerAuthenticator">Null: AUTH OAUTHBEARER/XOAUTH2 is never offered.</param>
/// <param name="Snapshot">The live configuration; a session takes it once, when it starts.</param>
/// <param name="Decisions">Where agents' decisions are recorded (the message trace); null records none.</param>
public sealed record SessionDependencies(
    IMessageSink Sink,
    TransportAgentPipeline Agents,
    Func<TransportConfig> Snapshot,
    ISubmissionAuthenticator? Authenticator,
    IProtocolLog ProtocolLog,
    TimeProvider Time,
    ILogger Logger,
    IAgentDecisionLog? Decisions = null,
    Mailflow.Cluster.INodeDrainState? Drain = null,
    IBearerTokenAuthenticator? BearerAuthenticator = null);
