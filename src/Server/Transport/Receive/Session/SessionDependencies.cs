using Mailflow.Server.Transport.Receive.Policy;
using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>What every session on this node shares: the submission sink and the policy seams.</summary>
/// <param name="Authenticator">Null: AUTH is never offered.</param>
public sealed record SessionDependencies(
    IMessageSink Sink,
    IAddressAuthority AddressAuthority,
    ISubmissionAuthenticator? Authenticator,
    IProtocolLog ProtocolLog,
    TimeProvider Time,
    ILogger Logger);
