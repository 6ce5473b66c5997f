using Mailflow.Server.Transport.Receive.Policy;
using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>What every session on this node shares: the submission sink and the policy seams.</summary>
/// <param name="Authenticator">Null: AUTH is never offered.</param>
/// <param name="Refusals">Where SMTP-time refusals are recorded for the dashboard and the trace; null: not recorded.</param>
public sealed record SessionDependencies(
    IMessageSink Sink,
    IAddressAuthority AddressAuthority,
    ISubmissionAuthenticator? Authenticator,
    IProtocolLog ProtocolLog,
    TimeProvider Time,
    ILogger Logger,
    Tracking.SmtpRefusalRecorder? Refusals = null);
