using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Mailflow.Configuration;
using Mailflow.Server.Operations.Tracing;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// Runs the registered <see cref="ITransportAgent"/>s at each event, in order, for the session's
/// receive connector and configuration generation. Implementation summary:
/// <list type="bullet">
/// <item>Which agents run, in which order, with which time limit and failure policy comes from the
///   snapshot's <see cref="TransportAgentSetting"/>s (else each agent's defaults), computed once per
///   generation and connector.</item>
/// <item>Each call gets a token cancelled at the agent's time limit. A timeout or an exception is the
///   agent's failure: fail-open continues (the trace says so), tempfail answers 451 4.7.1.</item>
/// <item>The first final verdict (accept, reject, tempfail, disconnect, discard, quarantine) ends the
///   event; tarpit delays add up and the chain goes on. The pipeline never sleeps: the caller applies
///   the delay (the "Test mail flow" page only reports it).</item>
/// <item>Verdicts other than a silent "continue" are returned as <see cref="AgentDecision"/>s for the
///   trace and the what-if page.</item>
/// </list>
/// </summary>
public sealed class TransportAgentPipeline
{
    private readonly ITransportAgent[] _agents;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<TransportConfig, ConcurrentDictionary<Guid, ActiveAgent[]>> _active = new();

    public TransportAgentPipeline(IEnumerable<ITransportAgent> agents, TimeProvider time, ILogger<TransportAgentPipeline> logger)
    {
        var list = agents.ToArray();
        var duplicate = list.GroupBy(a => a.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two transport agents are named '{duplicate.Key}'.");
        _agents = list;
        _time = time;
        _logger = logger;
    }

    /// <summary>Every registered agent in default order.</summary>
    public IReadOnlyList<ITransportAgent> Agents => [.. _agents.OrderBy(a => a.DefaultPriority).ThenBy(a => a.Name, StringComparer.Ordinal)];

    /// <summary>The agents that run on <paramref name="connectorId"/> in <paramref name="snapshot"/>'s generation, in order, with their effective settings.</summary>
    public IReadOnlyList<ActiveAgent> ActiveAgents(TransportConfig snapshot, Guid connectorId) =>
        _active.GetValue(snapshot, _ => new()).GetOrAdd(connectorId, id => Resolve(snapshot, id));

    private ActiveAgent[] Resolve(TransportConfig snapshot, Guid connectorId) =>
    [
        .. _agents
            .Select(a => (Agent: a, Setting: snapshot.FindAgentSetting(a.Name)))
            .Where(a => !a.Agent.CanBeDisabled || a.Setting is null
                        || (a.Setting.Enabled && !a.Setting.DisabledOnConnectors.Contains(connectorId)))
            .Select(a => new ActiveAgent(
                a.Agent,
                a.Setting?.Priority ?? a.Agent.DefaultPriority,
                a.Setting?.TimeoutMilliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : a.Agent.DefaultTimeout,
                a.Setting?.FailurePolicy ?? a.Agent.DefaultFailurePolicy))
            .OrderBy(a => a.Priority)
            .ThenBy(a => a.Agent.Name, StringComparer.Ordinal),
    ];

    public ValueTask<AgentOutcome> ConnectAsync(AgentSession session, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.Connect, session.IsWhatIf, session.Snapshot, session.ConnectorId, null, (a, t) => a.OnConnectAsync(session, t), cancellationToken);

    public ValueTask<AgentOutcome> HeloAsync(AgentSession session, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.Helo, session.IsWhatIf, session.Snapshot, session.ConnectorId, null, (a, t) => a.OnHeloAsync(session, t), cancellationToken);

    public ValueTask<AgentOutcome> AuthAsync(AgentSession session, AgentAuthAttempt attempt, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.Auth, session.IsWhatIf, session.Snapshot, session.ConnectorId, null, (a, t) => a.OnAuthAsync(session, attempt, t), cancellationToken);

    public ValueTask<AgentOutcome> MailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.MailFrom, session.IsWhatIf, session.Snapshot, session.ConnectorId, null, (a, t) => a.OnMailFromAsync(session, message, t), cancellationToken);

    public ValueTask<AgentOutcome> RcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.RcptTo, session.IsWhatIf, session.Snapshot, session.ConnectorId, recipient.Address.Address, (a, t) => a.OnRcptToAsync(session, message, recipient, t), cancellationToken);

    public ValueTask<AgentOutcome> EndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.EndOfData, session.IsWhatIf, session.Snapshot, session.ConnectorId, null, (a, t) => a.OnEndOfDataAsync(session, message, content, t), cancellationToken);

    public ValueTask<AgentOutcome> CategorizedAsync(StoredMessageContext message, Guid receiveConnectorId, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.Categorized, message.IsWhatIf, message.Snapshot, receiveConnectorId, null, (a, t) => a.OnCategorizedAsync(message, t), cancellationToken);

    public ValueTask<AgentOutcome> RoutedAsync(StoredMessageContext message, Guid receiveConnectorId, CancellationToken cancellationToken) =>
        RunAsync(AgentEvents.Routed, message.IsWhatIf, message.Snapshot, receiveConnectorId, null, (a, t) => a.OnRoutedAsync(message, t), cancellationToken);

    /// <summary>"agents.connect", "agents.rcpt-to", …: built once, so a span name costs no string per call.</summary>
    private static readonly Dictionary<AgentEvents, string> AgentSpanNames = Enum.GetValues<AgentEvents>()
        .Where(e => e != 0 && (e & (e - 1)) == 0)
        .ToDictionary(e => e, e => MailflowTracing.Spans.AgentsPrefix + System.Text.RegularExpressions.Regex.Replace(e.ToString(), "(?<=[a-z])(?=[A-Z])", "-").ToLowerInvariant());

    private async ValueTask<AgentOutcome> RunAsync(
        AgentEvents @event, bool whatIf, TransportConfig snapshot, Guid connectorId, string? recipient,
        Func<ITransportAgent, CancellationToken, ValueTask<AgentVerdict>> call, CancellationToken cancellationToken)
    {
        List<AgentDecision>? decisions = null;
        var delay = TimeSpan.Zero;
        using var activity = whatIf ? null : MailflowTracing.Source.StartActivity(AgentSpanNames[@event]);
        activity?.SetTag(MailflowTracing.Attributes.AgentEvent, AgentSpanNames[@event][MailflowTracing.Spans.AgentsPrefix.Length..]);
        foreach (var active in ActiveAgents(snapshot, connectorId))
        {
            if ((active.Agent.Events & @event) == 0)
                continue;
            var started = _time.GetTimestamp();
            var verdict = await CallAsync(active, @event, call, cancellationToken);
            if (!whatIf)
                AgentMetrics.Verdict(active.Agent.Name, verdict.Kind);
            if (verdict.Kind != AgentVerdictKind.Continue || verdict.Detail is not null)
                (decisions ??= []).Add(new AgentDecision(active.Agent.Name, active.Agent.DisplayName, @event, verdict, _time.GetElapsedTime(started), recipient));
            if (verdict.Kind == AgentVerdictKind.Tarpit)
                delay += verdict.Delay;
            else if (verdict.IsFinal)
            {
                activity?.SetTag(MailflowTracing.Attributes.AgentVerdict, $"{active.Agent.Name}: {verdict.Kind}");
                return new AgentOutcome(verdict, delay, decisions ?? []);
            }
        }
        return decisions is null && delay == TimeSpan.Zero ? AgentOutcome.Nothing : new AgentOutcome(AgentVerdict.Continue, delay, decisions ?? []);
    }

    private async ValueTask<AgentVerdict> CallAsync(
        ActiveAgent active, AgentEvents @event, Func<ITransportAgent, CancellationToken, ValueTask<AgentVerdict>> call, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(active.Timeout);
        try
        {
            return Validate(active.Agent, @event, await call(active.Agent, limit.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            AgentLog.TimedOut(_logger, active.Agent.Name, @event, active.Timeout.TotalMilliseconds);
            return Failed(active, $"no answer within {active.Timeout.TotalSeconds:0.##} s");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            AgentLog.Failed(_logger, active.Agent.Name, @event, exception);
            return Failed(active, $"failed ({exception.GetType().Name})");
        }
    }

    private static AgentVerdict Failed(ActiveAgent active, string what) => active.FailurePolicy == AgentFailurePolicy.FailOpen
        ? AgentVerdict.ContinueWith($"{what}; the message was let through (fail-open)")
        : AgentVerdict.TempFail(SmtpReplies.AgentUnavailable, $"{what}; the client was asked to try again (tempfail)");

    /// <summary>Verdicts that make no sense at an event are programming errors: refuse them loudly in the log, continue.</summary>
    private AgentVerdict Validate(ITransportAgent agent, AgentEvents @event, AgentVerdict verdict)
    {
        var postStore = @event is AgentEvents.Categorized or AgentEvents.Routed;
        var allowed = verdict.Kind switch
        {
            AgentVerdictKind.Discard => @event is AgentEvents.EndOfData || postStore,
            AgentVerdictKind.Quarantine => @event is AgentEvents.EndOfData || postStore,
            AgentVerdictKind.TempFail or AgentVerdictKind.Disconnect or AgentVerdictKind.Tarpit => !postStore,
            _ => true,
        };
        if (allowed)
            return verdict;
        AgentLog.InvalidVerdict(_logger, agent.Name, verdict.Kind, @event);
        return AgentVerdict.Continue;
    }
}

/// <summary>An agent as it runs in one generation on one connector.</summary>
public sealed record ActiveAgent(ITransportAgent Agent, int Priority, TimeSpan Timeout, AgentFailurePolicy FailurePolicy);
