namespace Mailflow.WhatIf;

// "Test mail flow": what the engine would do with a message, without sending anything. The shapes
// are plain records (names and explanations as text) so the admin center, the REST API and the CLI
// show the same answer; the server computes them with the engine's own decision code.

/// <summary>The message to test.</summary>
public sealed record MailFlowTestRequest
{
    /// <summary>Envelope sender (MAIL FROM); empty for the null sender.</summary>
    public string Sender { get; init; } = "";
    /// <summary>Envelope recipients (RCPT TO).</summary>
    public IReadOnlyList<string> Recipients { get; init; } = [];
    /// <summary>The connecting client's IP address; defaults to an Internet client (192.0.2.1, TEST-NET-1, RFC 5737).</summary>
    public string? ClientIp { get; init; }
    /// <summary>The name the client gives in HELO/EHLO (SPF checks it for the null sender); defaults to "whatif.test".</summary>
    public string? HeloName { get; init; }
    /// <summary>The binding the client connects to ("address:port"); defaults to the first port-25 binding.</summary>
    public string? Binding { get; init; }
    /// <summary>A receive connector by name: test as if the client connected to its (first) binding.</summary>
    public string? ReceiveConnector { get; init; }
    /// <summary>Whether the client authenticated (SMTP AUTH).</summary>
    public bool Authenticated { get; init; }
    /// <summary>The client gave <c>MAIL FROM:&lt;…&gt; REQUIRETLS</c> (RFC 8689) over a TLS-protected session.</summary>
    public bool RequireTls { get; init; }
    public string? Subject { get; init; }
    public string? Body { get; init; }
    /// <summary>Extra header fields ("X-Priority" → "1").</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    /// <summary>A whole message (RFC 5322); when given, subject, body and headers are taken from it.</summary>
    public string? Eml { get; init; }
    /// <summary>Look up MX records now for recipients routed by DNS (off: the routing stops at "MX of domain").</summary>
    public bool ResolveMx { get; init; } = true;
}

public sealed record MailFlowTestResult(
    ConnectionTest Connection,
    IReadOnlyList<RecipientAcceptanceTest> Acceptance,
    RulesTest Rules,
    IReadOnlyList<RecipientResolutionTest> Resolution,
    IReadOnlyList<RoutingTest> Routing,
    string Summary)
{
    /// <summary>What each transport agent said at each SMTP event (silent "continue" verdicts left out), in the order they ran.</summary>
    public IReadOnlyList<AgentVerdictTest> Agents { get; init; } = [];
    /// <summary>Header fields the transport agents would add at end of data ("Authentication-Results: …"), in order.</summary>
    public IReadOnlyList<string> AddedHeaders { get; init; } = [];
    /// <summary>What address rewriting would do: recipients rewritten back on the way in, sender and address fields on the way out; empty when no entry applies.</summary>
    public IReadOnlyList<string> AddressRewrites { get; init; } = [];
    /// <summary>What remote domains would do for each recipient outside the organization: the entry, whether this kind of message may go there, content shaping at delivery; empty when no recipient is outside.</summary>
    public IReadOnlyList<string> RemoteDomains { get; init; } = [];
}

/// <summary>One transport agent's verdict at one event of the tested message.</summary>
/// <param name="Event">connect, HELO, MAIL FROM, RCPT TO, end of data.</param>
/// <param name="Verdict">passed, accepted, rejected, deferred (temporary failure), disconnected, delayed, deleted silently, quarantined.</param>
/// <param name="Reply">The SMTP reply the client would get; null when the agent let the message go on.</param>
public sealed record AgentVerdictTest(string Agent, string Event, string Verdict, string? Reply, string? Detail, string? Recipient, bool Refused);

/// <summary>Which receive connector takes the connection.</summary>
/// <param name="Rights">The session's rights (ReceiveRights names) with the given authentication.</param>
public sealed record ConnectionTest(
    string ClientIp,
    string? Binding,
    string? ConnectorName,
    IReadOnlyList<string> Rights,
    string Explanation,
    IReadOnlyList<ReceiveConnectorCandidateTest> Candidates);

public sealed record ReceiveConnectorCandidateTest(string ConnectorName, bool Chosen, string Explanation);

/// <summary>Whether RCPT TO would be accepted (the relay decision) and why.</summary>
/// <param name="Reply">The SMTP reply that refuses it; null when accepted.</param>
public sealed record RecipientAcceptanceTest(string Recipient, bool Accepted, string? Reply, string Explanation);

public sealed record RulesTest(IReadOnlyList<RuleTest> Rules, RuleOutcomeTest Outcome, IReadOnlyList<string> Problems);

public sealed record RuleTest(
    Guid RuleId,
    string RuleName,
    int Priority,
    string Mode,
    string Status,
    bool Matched,
    string Summary,
    IReadOnlyList<PredicateTest> Conditions,
    IReadOnlyList<PredicateTest> Exceptions,
    IReadOnlyList<string> Actions,
    bool StoppedProcessing);

public sealed record PredicateTest(string Predicate, string Label, bool Matched, string Explanation, string? Problem);

/// <param name="Outcome">Deliver, Reject, DeleteSilently or Quarantine.</param>
/// <param name="RecipientsAfterRules">The envelope recipients after redirects and added recipients.</param>
public sealed record RuleOutcomeTest(
    string Outcome,
    string Explanation,
    IReadOnlyList<string> RecipientsAfterRules,
    string? RouteThroughConnector,
    bool RequireTls,
    int? Scl,
    IReadOnlyList<string> ContentChanges);

/// <summary>How one envelope recipient resolves: the final recipients it becomes and the path to each.</summary>
public sealed record RecipientResolutionTest(string EnvelopeRecipient, IReadOnlyList<ResolvedRecipientTest> Results, IReadOnlyList<string> Notes);

/// <param name="Kind">Mailbox, ExternalForward, Relay, Remote or Failed.</param>
public sealed record ResolvedRecipientTest(string Address, string Kind, IReadOnlyList<ResolutionStepTest> Path, string? Failure);

public sealed record ResolutionStepTest(string Kind, string From, string To, string Description);

/// <summary>The next hop for one final recipient.</summary>
public sealed record RoutingTest(
    string Recipient,
    string Kind,
    string QueueKey,
    string? Connector,
    string? AddressSpace,
    int? Cost,
    IReadOnlyList<string> Hosts,
    string Explanation,
    string? UnreachableReason,
    IReadOnlyList<SendConnectorCandidateTest> Candidates,
    MxTest? Mx)
{
    /// <summary>Set when every host of this route is this server itself: delivery would defer with this reason (4.4.6) rather than connect to itself.</summary>
    public string? RouteLoop { get; init; }
    /// <summary>The recipient domain's MTA-STS policy and what the send connector does with it (enforced, report only); null when not looked up.</summary>
    public string? TlsPolicy { get; init; }
}

public sealed record SendConnectorCandidateTest(string ConnectorName, string Verdict, string? AddressSpace, int? Cost, string Explanation);

/// <param name="Status">Resolved, PermanentFailure or TemporaryFailure.</param>
public sealed record MxTest(string Domain, string Status, IReadOnlyList<string> Hosts, string? Reason);

/// <summary>Runs "Test mail flow" with the engine's own decision code, against the live configuration snapshot. Sends nothing.</summary>
public interface IMailFlowTester
{
    Task<MailFlowTestResult> TestAsync(MailFlowTestRequest request, CancellationToken cancellationToken = default);
}
