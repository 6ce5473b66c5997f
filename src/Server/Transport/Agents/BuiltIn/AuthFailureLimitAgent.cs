using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.BuiltIn;

/// <summary>
/// Ends a session after the connector's number of failed AUTH exchanges (421 4.7.0), so one
/// connection cannot go on guessing. Throttling across sessions and addresses lives in the
/// submission authenticator.
/// </summary>
public sealed class AuthFailureLimitAgent : ITransportAgent
{
    public string Name => "AuthFailureLimit";
    public string DisplayName => "Failed authentication limit";
    public string Description => "Disconnects a client after too many failed AUTH attempts in one session.";
    public AgentEvents Events => AgentEvents.Auth;
    public int DefaultPriority => 120;
    public bool CanBeDisabled => false;

    /// <remarks>Every failed attempt is noted for the trace and the dashboard's refusal count (never the password or the user name).</remarks>
    public ValueTask<AgentVerdict> OnAuthAsync(AgentSession session, AgentAuthAttempt attempt, CancellationToken cancellationToken) =>
        new(attempt.Succeeded ? AgentVerdict.Continue
            : session.AuthFailures >= session.Policy.MaxAuthFailures
                ? AgentVerdict.Disconnect(SmtpReplies.TooManyAuthFailures, $"{session.AuthFailures} failed AUTH attempts")
                : AgentVerdict.ContinueWith($"AUTH {attempt.Mechanism} failed ({session.AuthFailures} of {session.Policy.MaxAuthFailures} allowed in this session)"));
}
