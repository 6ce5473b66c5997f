using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Agents;


/// <summary>
/// A transport agent: one check or change on a message, bound to the events it declares (Exchange's
/// SMTP receive and routing agents, Postfix's restrictions and milters, maddy's checks). Agents are
/// singletons that keep no per-session state of their own (it belongs on <see cref="AgentSession"/>,
/// <see cref="AgentMessage"/> or their tags); they read configuration only from
/// <see cref="AgentSession.Snapshot"/>. Every method has a "continue" default so an agent implements
/// only its events. A method that needs the network honours the cancellation token: the pipeline
/// cancels it at the agent's timeout and applies its <see cref="AgentFailurePolicy"/>.
/// <para>To add a check: implement this interface in a file under <c>Transport/Agents/</c> (or a
/// sub-folder for a family of agents), register it with <c>services.AddTransportAgent&lt;T&gt;()</c>
/// and add a wire test; the pipeline, the trace and "Test mail flow" pick it up.</para>
/// </summary>
public interface ITransportAgent
{
    /// <summary>Stable identifier (settings, tracking, API), e.g. <c>Relay</c>.</summary>
    string Name { get; }

    /// <summary>What admins read in the admin center and the trace, e.g. "Relay and recipient check".</summary>
    string DisplayName { get; }

    /// <summary>One sentence on what the agent does.</summary>
    string Description { get; }

    AgentEvents Events { get; }

    /// <summary>Default position: lower runs first. Built-in protocol checks are 100–199, connection filtering 200–299, sender authentication 300–399, content filtering 400–499, rules 500.</summary>
    int DefaultPriority { get; }

    /// <summary>Protocol safety checks (relay, limits) cannot be turned off by an admin.</summary>
    bool CanBeDisabled => true;

    TimeSpan DefaultTimeout => TimeSpan.FromSeconds(10);

    AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.TempFail;

    ValueTask<AgentVerdict> OnConnectAsync(AgentSession session, CancellationToken cancellationToken) => new(AgentVerdict.Continue);

    ValueTask<AgentVerdict> OnHeloAsync(AgentSession session, CancellationToken cancellationToken) => new(AgentVerdict.Continue);

    ValueTask<AgentVerdict> OnAuthAsync(AgentSession session, AgentAuthAttempt attempt, CancellationToken cancellationToken) => new(AgentVerdict.Continue);

    ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken) => new(AgentVerdict.Continue);

    ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken) => new(AgentVerdict.Continue);

    ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken) => new(AgentVerdict.Continue);

    ValueTask<AgentVerdict> OnCategorizedAsync(StoredMessageContext message, CancellationToken cancellationToken) => new(AgentVerdict.Continue);

    ValueTask<AgentVerdict> OnRoutedAsync(StoredMessageContext message, CancellationToken cancellationToken) => new(AgentVerdict.Continue);
}
