using System.Collections.Immutable;
using System.Net;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Net;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Receive.Hosting;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Server.Transport.Route;
using Mailflow.Smtp;
using Mailflow.WhatIf;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Transport.WhatIf;

/// <summary>
/// "Test mail flow" (the what-if page): runs a message through the same decision code the engine
/// uses, in the same order, against the live snapshot — connector choice (<see cref="ConnectorSelector"/>),
/// RCPT acceptance (<see cref="RelayDecision"/> with <see cref="ReceivePolicy.RightsFor"/>), mail flow
/// rules (<see cref="TransportRuleEvaluator"/>), recipient resolution (<see cref="RecipientResolver"/>)
/// and routing (<see cref="NextHopResolver"/>, MX records via <see cref="MxResolver"/>). Nothing is
/// stored, sent or counted (rule hit counters stay as they are).
/// </summary>
public sealed class MailFlowTester(
    TransportConfigProvider configProvider,
    IAddressAuthority authority,
    TransportRuleEvaluator rules,
    RecipientResolver resolver,
    NextHopResolver router,
    MxResolver mx,
    AgentWhatIf agents,
    RouteLoopDetector loops,
    IOptions<MailflowOptions> options,
    Deliver.Tls.MtaStsPolicyCache? mtaSts = null,
    Deliver.Tls.DaneTlsaLookup? dane = null) : IMailFlowTester
{
    /// <summary>RFC 5737 TEST-NET-1: an address that stands for "some client on the Internet".</summary>
    public const string DefaultClientIp = "192.0.2.1";

    public async Task<MailFlowTestResult> TestAsync(MailFlowTestRequest request, CancellationToken cancellationToken = default)
    {
        var config = configProvider.Current;
        var clientText = string.IsNullOrWhiteSpace(request.ClientIp) ? DefaultClientIp : request.ClientIp.Trim();
        if (!IPAddress.TryParse(clientText, out var client))
            throw Invalid(nameof(request.ClientIp), $"“{clientText}” is not an IP address.");
        if (request.Recipients.Count == 0)
            throw Invalid(nameof(request.Recipients), "Give at least one recipient.");
        if (request.HeloName is { } helo && helo.Trim().Any(c => c <= ' ' || c > '~'))
            throw Invalid(nameof(request.HeloName), $"“{helo.Trim()}” is not a HELO name: one word of printable ASCII, e.g. mail.example.com or [192.0.2.1].");

        // 1. Connection: which receive connector takes the client.
        var (connection, policy) = SelectConnector(config, request, client);

        // 2. The transport agents at connect, HELO and MAIL; then RCPT TO per recipient: the relay
        // decision explained, and every agent's say (the relay check is one of them).
        var run = policy is null ? null : await agents.StartAsync(config, policy, client, request, cancellationToken);
        var acceptance = new List<RecipientAcceptanceTest>();
        var rights = policy?.RightsFor(request.Authenticated) ?? ReceiveRights.None;
        foreach (var recipient in request.Recipients.Select(r => r.Trim().Trim('<', '>')))
        {
            var decided = await DecideAsync(recipient, policy, rights, request.Authenticated, cancellationToken);
            if (run is not null && SmtpPathParser.TryParseMailbox(recipient, out var address)
                && await agents.RcptAsync(run, address, cancellationToken) is { } refusal && decided.Accepted)
                decided = new RecipientAcceptanceTest(recipient, false, refusal.Reply,
                    $"Refused by the transport agent “{refusal.Agent}” at {refusal.Event}{(refusal.Detail is null ? "" : $": {refusal.Detail}")}.");
            acceptance.Add(decided);
        }
        var accepted = acceptance.Where(a => a.Accepted).Select(a => a.Recipient).ToList();

        // 3. End of data: the agents that read the message, then the mail flow rules on it as it would arrive.
        var message = BuildMessage(request);
        if (run is not null)
            await agents.EndOfDataAsync(run, message, cancellationToken);
        var size = MeasureSize(message);
        // 4 and 5. Resolution and routing: the categorizer's own plan.
        var plan = CategorizationPlan.Make(config, new RuleMessageContext(message)
        {
            EnvelopeSender = request.Sender.Trim().Trim('<', '>'),
            Recipients = accepted,
            SizeBytes = size,
            ClientAddress = client,
            Authenticated = request.Authenticated,
            Tags = (IReadOnlyDictionary<string, string>?)run?.Message?.Tags ?? new Dictionary<string, string>(),
        }, accepted.Select(a => new EnvelopeRecipient(a)), rules, resolver, router);
        var evaluation = plan.Rules!;
        var decision = plan.Decision;
        var rulesTest = DescribeRules(evaluation, accepted);
        if (plan.Resolution is { } journaled && Categorize.Journaling.JournalReports.Select(config, request.Sender.Trim().Trim('<', '>'), journaled) is { IsEmpty: false } journal)
            rulesTest = rulesTest with
            {
                Outcome = rulesTest.Outcome with
                {
                    ContentChanges = [.. rulesTest.Outcome.ContentChanges, .. journal.Select(j => $"Journal rule “{j.RuleName}”: an envelope journal report goes to {j.JournalAddress} ({j.Why}){(j.AlternateJournalAddress is { } ndrTo ? $"; if it cannot be delivered there, the non-delivery report goes to {ndrTo}" : "; if it cannot be delivered there, it is dropped")}")],
                },
            };
        var delivered = decision.Reject is null && !decision.DeleteSilently && run?.EndOfDataRefusal is null && run?.Discard is null;

        var resolutionTests = new List<RecipientResolutionTest>();
        var routingTests = new List<RoutingTest>();
        if (delivered && accepted.Count > 0 && plan.Resolution is { } resolution)
        {
            foreach (var envelope in plan.Recipients)
            {
                resolutionTests.Add(new RecipientResolutionTest(envelope.Address,
                    resolution.Recipients.Where(r => r.Original == envelope).Select(Describe).ToList(),
                    resolution.Notes.Where(n => n.Original == envelope).Select(n => $"{n.Address}: {n.Description}").ToList()));
            }
            var mxCache = new Dictionary<string, MxResolution>(StringComparer.OrdinalIgnoreCase);
            // What the sender asked of transport security: REQUIRETLS (given, or set by a rule), or TLS-Required: No (RFC 8689).
            var tlsRequest = Deliver.Tls.MessageTlsRequests.Of(request.RequireTls || decision.RequireTlsExtensionRule is not null, message.Headers);
            foreach (var routed in plan.Routes)
                routingTests.Add(await DescribeAsync(routed, request.ResolveMx, mxCache, tlsRequest, cancellationToken));
        }

        return new MailFlowTestResult(connection, acceptance, rulesTest, resolutionTests, routingTests,
            Summarize(connection, acceptance, decision, routingTests, run))
        {
            Agents = run?.Verdicts ?? [],
            AddedHeaders = run?.AddedHeaders ?? [],
            AddressRewrites = delivered ? AddressRewritingWhatIf.Describe(config, plan, message, request.Sender.Trim().Trim('<', '>')) : [],
            RemoteDomains = delivered ? RemoteDomainWhatIf.Describe(config, plan, message) : [],
        };
    }

    private (ConnectionTest, ReceivePolicy?) SelectConnector(TransportConfig config, MailFlowTestRequest request, IPAddress client)
    {
        var enabled = config.ReceiveConnectors.Where(c => c.Enabled).ToList();
        IpBinding? binding = null;
        string bindingReason;
        if (!string.IsNullOrWhiteSpace(request.ReceiveConnector))
        {
            var named = config.ReceiveConnectors.FirstOrDefault(c => string.Equals(c.Name, request.ReceiveConnector.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw Invalid(nameof(request.ReceiveConnector), $"There is no receive connector named “{request.ReceiveConnector}”.");
            binding = named.Bindings.FirstOrDefault();
            bindingReason = $"the binding of the receive connector {named.Name}";
        }
        else if (!string.IsNullOrWhiteSpace(request.Binding))
        {
            binding = ParseBinding(request.Binding);
            bindingReason = "the binding asked for";
        }
        else
        {
            // Where Internet mail arrives: port 25 (RFC 5321 §4.5.4.2), else a connector anonymous clients may use.
            var bindings = enabled.SelectMany(c => c.Bindings).Distinct().ToList();
            var anonymous = enabled.Where(c => c.PermissionGroups.HasFlag(ReceivePermissionGroups.AnonymousUsers)).SelectMany(c => c.Bindings).FirstOrDefault();
            binding = bindings.FirstOrDefault(b => b.Port == 25) ?? anonymous ?? bindings.FirstOrDefault();
            bindingReason = binding?.Port == 25 ? "the first binding on port 25 (SMTP relay, where Internet mail arrives)"
                : binding is not null && binding == anonymous ? "the binding of the first connector open to anonymous clients (where Internet mail arrives)"
                : "the first binding of an enabled connector";
        }

        var fqdn = options.Value.ResolvedFqdn;
        var node = options.Value.ResolvedNodeName;
        if (binding is null)
            return (new ConnectionTest(client.ToString(), null, null, [], "No enabled receive connector listens anywhere: no connection would be accepted.", []), null);

        var onBinding = enabled.Where(c => c.Bindings.Contains(binding)).ToList();
        var policies = onBinding.Select(c => ReceivePolicy.FromConnector(c, fqdn, node)).ToList();
        var chosen = ConnectorSelector.Select(policies, client);
        var candidates = config.ReceiveConnectors.Select(c => new ReceiveConnectorCandidateTest(c.Name,
            chosen is not null && c.Id == chosen.ConnectorId, ExplainCandidate(c, binding, client, chosen))).ToList();
        if (chosen is null)
        {
            var why = onBinding.Count == 0
                ? $"No enabled receive connector listens on {binding}."
                : $"None of the connectors on {binding} ({string.Join(", ", onBinding.Select(c => c.Name))}) accepts {client}: the client would get 421 4.3.2 and be disconnected.";
            return (new ConnectionTest(client.ToString(), binding.ToString(), null, [], $"Tested on {bindingReason}, {binding}. {why}", candidates), null);
        }
        var rights = chosen.RightsFor(request.Authenticated);
        var explanation = $"Tested on {bindingReason}, {binding}. {chosen.ConnectorName} takes {client}: "
            + (chosen.RemoteIpRanges.IsEmpty
                ? "it accepts every address and no connector on this binding has a range that contains the client more specifically."
                : "its remote IP range is the most specific one on this binding that contains the client.")
            + $" Session rights{(request.Authenticated ? " after AUTH" : " (not authenticated)")}: {Names(rights)}.";
        return (new ConnectionTest(client.ToString(), binding.ToString(), chosen.ConnectorName, RightNames(rights), explanation, candidates), chosen);
    }

    private static string ExplainCandidate(ReceiveConnector connector, IpBinding binding, IPAddress client, ReceivePolicy? chosen)
    {
        if (!connector.Enabled)
            return "Turned off.";
        if (!connector.Bindings.Contains(binding))
            return $"Does not listen on {binding}.";
        var ranges = connector.RemoteIpRanges.Where(r => !string.IsNullOrWhiteSpace(r)).ToList();
        var covers = ranges.Count == 0 ? "accepts every client address" : ranges.Select(IpRange.Parse).Any(r => r.Contains(client))
            ? $"has a remote IP range containing {client} ({string.Join(", ", ranges)})"
            : $"none of its remote IP ranges ({string.Join(", ", ranges)}) contains {client}";
        return chosen is not null && connector.Id == chosen.ConnectorId
            ? $"Chosen: it {covers}, the most specific match."
            : ranges.Count == 0 || ranges.Select(IpRange.Parse).Any(r => r.Contains(client))
                ? $"Not chosen: it {covers}, but {chosen?.ConnectorName ?? "another connector"} matches more specifically."
                : $"Not chosen: {covers}.";
    }

    private async Task<RecipientAcceptanceTest> DecideAsync(string recipient, ReceivePolicy? policy, ReceiveRights rights, bool authenticated, CancellationToken cancellationToken)
    {
        if (policy is null)
            return new RecipientAcceptanceTest(recipient, false, "421 4.3.2 Service not available", "No receive connector takes the connection, so no recipient gets as far as RCPT TO.");
        if (!SmtpPathParser.TryParseMailbox(recipient, out var address))
            return new RecipientAcceptanceTest(recipient, false, "501 5.1.3 Bad recipient address syntax", "The address is not valid RFC 5321 syntax.");
        var refusal = await RelayDecision.DecideAsync(address, rights, authority, cancellationToken);
        var kind = address.IsBarePostmaster ? (RecipientDomainKind?)null : address.IsAddressLiteral ? RecipientDomainKind.NotAccepted : authority.Classify(address.Domain);
        var domainText = kind switch
        {
            null => "The bare Postmaster address is always accepted (RFC 5321 §4.5.1).",
            RecipientDomainKind.NotAccepted => $"{address.Domain} is not an accepted domain, so this is relaying.",
            _ => $"{address.Domain} is an accepted domain ({kind}).",
        };
        var mayRelay = rights.HasFlag(ReceiveRights.RelayToAnyDomain);
        var rightsText = $"On {policy.ConnectorName} the {(authenticated ? "authenticated" : "anonymous")} session {(mayRelay ? "may" : "may not")} relay to any domain (rights: {Names(rights)}).";
        if (refusal is null)
            return new RecipientAcceptanceTest(recipient, true, null, $"{domainText} {rightsText} Accepted.");
        var reply = $"{refusal.Code} {refusal.Enhanced} {refusal.Text}";
        var reason = refusal == SmtpReplies.UnknownRecipient
            ? $"{domainText} There is no recipient with this address in the authoritative domain."
            : $"{domainText} {rightsText}";
        return new RecipientAcceptanceTest(recipient, false, reply, $"{reason} Refused with {reply}.");
    }

    private static MimeMessage BuildMessage(MailFlowTestRequest request)
    {
        if (!string.IsNullOrWhiteSpace(request.Eml))
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(request.Eml));
            return MimeMessage.Load(stream);
        }
        var message = new MimeMessage();
        var sender = request.Sender.Trim().Trim('<', '>');
        if (sender.Length > 0 && MailboxAddress.TryParse(sender, out var from))
            message.From.Add(from);
        foreach (var recipient in request.Recipients)
            if (MailboxAddress.TryParse(recipient.Trim().Trim('<', '>'), out var to))
                message.To.Add(to);
        message.Subject = request.Subject ?? "";
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
            message.Headers.Add(name, value);
        message.Body = new TextPart("plain") { Text = request.Body ?? "" };
        return message;
    }

    private static long MeasureSize(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        return stream.Length;
    }

    private static RulesTest DescribeRules(TransportRuleEvaluation evaluation, IReadOnlyList<string> accepted)
    {
        var d = evaluation.Decision;
        var rulesList = evaluation.Rules.Select(r => new RuleTest(r.RuleId, r.RuleName, r.Priority, r.Mode.ToString(), r.Status.ToString(), r.Matched, r.Summary,
            r.Conditions.Select(Describe).ToList(), r.Exceptions.Select(Describe).ToList(), r.Actions.ToList(), r.StoppedProcessing)).ToList();
        var (outcome, explanation) = d switch
        {
            { Reject: { } reject } => ("Reject", $"Rule “{reject.RuleName}” rejects the message: {reject.SmtpCode} {reject.EnhancedStatusCode} {reject.Text}."),
            { DeleteSilently: true } => ("DeleteSilently", "A rule deletes the message silently: nobody receives it and the sender gets no NDR."),
            { ReplacedByNotice: { } notice } => ("ReplacedByNotice", $"Rule “{notice.RuleName}” sends each recipient a notice instead of the message: the message is not delivered."),
            { Moderation: { } moderation } => ("Moderate", $"Rule “{moderation.RuleName}” holds the message until {string.Join(" or ", moderation.Moderators)} approves it; rejected or undecided after {moderation.ExpiryDays} day(s), the sender gets an NDR (5.7.1)."),
            { QuarantineRule: { } rule } => ("Quarantine", $"Rule “{rule}” holds the message in quarantine until an administrator releases it."),
            _ => ("Deliver", evaluation.MatchedRules.Any()
                ? $"Delivered after the actions of {string.Join(", ", evaluation.MatchedRules.Select(r => "“" + r.RuleName + "”"))}."
                : "No rule matches: the message is delivered unchanged."),
        };
        var after = d.ApplyToRecipients(accepted.Select(a => new EnvelopeRecipient(a))).Select(r => r.Address).ToList();
        var changes = d.ContentChanges.Select(c => c switch
        {
            PrependSubjectChange p => $"{p.RuleName}: prepend “{p.Prefix}” to the subject",
            SetHeaderChange h => $"{h.RuleName}: set header {h.Name}: {h.Value}",
            RemoveHeaderChange h => $"{h.RuleName}: remove header {h.Name}",
            DisclaimerChange x => $"{x.RuleName}: add a disclaimer ({x.Position})",
            SetImportanceChange i => $"{i.RuleName}: set the importance to {i.Importance.ToLowerInvariant()}",
            _ => $"{c.RuleName}: {c.GetType().Name}",
        }).Concat(d.SenderNotifications.Select(n => $"{n.RuleName}: notify the sender “{n.Text}”"))
            .Concat(d.RecipientNotifications.Select(n => $"{n.RuleName}: notify each recipient “{n.Text}”{(n.InsteadOfMessage ? " instead of delivering the message" : "")}"))
            .Concat(d.IncidentReports.Select(r => $"{r.RuleName}: send an incident report to {string.Join(", ", r.Addresses)}"))
            .Concat(d.RequireTlsExtensionRule is { } requireTlsRule ? [$"{requireTlsRule}: mark the message REQUIRETLS (RFC 8689): verified TLS on every hop, or it is returned (5.7.30)"] : []).ToList();
        return new RulesTest(rulesList, new RuleOutcomeTest(outcome, explanation, after, d.RouteThroughConnector, d.RequireTls, d.Scl, changes), evaluation.Problems.ToList());
    }

    private static PredicateTest Describe(PredicateEvaluation p) => new(p.Predicate.Kind, p.Label, p.Matched, p.Explanation, p.Problem);

    private static ResolvedRecipientTest Describe(ResolvedRecipient r) => new(r.Address, r.Kind.ToString(),
        r.Path.Select(s => new ResolutionStepTest(s.Kind.ToString(), s.From, s.To, s.Description)).ToList(),
        r.Failure is { } f ? $"{f.SmtpCode} {f.EnhancedStatusCode} {f.Reason}" : null);

    private async Task<RoutingTest> DescribeAsync(RoutedRecipient routed, bool resolveMx, Dictionary<string, MxResolution> mxCache,
        Deliver.Tls.MessageTlsRequest tlsRequest, CancellationToken cancellationToken)
    {
        var hop = routed.NextHop;
        var chosen = hop.Candidates.FirstOrDefault(c => c.Verdict == ConnectorVerdict.Chosen);
        MxResolution? resolution = null;
        if (hop.Kind == NextHopKind.Mx && resolveMx && !mxCache.TryGetValue(hop.Domain, out resolution))
            mxCache[hop.Domain] = resolution = await mx.ResolveAsync(hop.Domain, cancellationToken);
        var mxTest = resolution is null ? null : new MxTest(resolution.Domain, resolution.Status.ToString(),
            resolution.Hosts.Select(h => $"{h.Name} (preference {h.Preference}{(h.Implicit ? ", implicit MX" : "")}): {string.Join(", ", h.Addresses)}").ToList(),
            resolution.Reason);
        return new RoutingTest(routed.Recipient.Address, hop.Kind.ToString(), hop.QueueKey, hop.Connector?.Name ?? chosen?.ConnectorName,
            chosen?.AddressSpace, chosen?.Cost, hop.Hosts.Select(h => h.ToString()).ToList(), hop.Explanation, hop.UnreachableReason,
            hop.Candidates.Select(c => new SendConnectorCandidateTest(c.ConnectorName, c.Verdict.ToString(), c.AddressSpace, c.Cost, c.Explanation)).ToList(),
            mxTest)
        {
            RouteLoop = DescribeLoop(hop, resolution),
            TlsPolicy = await DescribeTlsPolicyAsync(hop, resolution, tlsRequest, cancellationToken),
        };
    }

    /// <summary>What the message asks of transport security (RFC 8689), then what delivery makes of the recipient domain's policies.</summary>
    private async Task<string?> DescribeTlsPolicyAsync(NextHop hop, MxResolution? resolution, Deliver.Tls.MessageTlsRequest tlsRequest, CancellationToken cancellationToken)
    {
        var asked = hop.Connector is null ? null : Deliver.Tls.MessageTlsRequests.Describe(tlsRequest);
        var recipientPolicy = tlsRequest == Deliver.Tls.MessageTlsRequest.IgnoreRecipientPolicy ? null : await DescribeMtaStsAsync(hop, resolution, cancellationToken);
        var danePolicy = tlsRequest == Deliver.Tls.MessageTlsRequest.IgnoreRecipientPolicy ? null : await DescribeDaneAsync(hop, resolution, cancellationToken);
        var parts = new[] { asked is null ? null : asked + ".", recipientPolicy, danePolicy }.OfType<string>().ToList();
        return parts.Count == 0 ? null : string.Join(" ", parts);
    }

    /// <summary>What the MX hosts' TLSA records (DANE, RFC 7672) mean for delivery, host by host, as <see cref="Deliver.Smtp.SmtpDeliveryAgent"/> looks them up.</summary>
    private async Task<string?> DescribeDaneAsync(NextHop hop, MxResolution? resolution, CancellationToken cancellationToken)
    {
        if (dane is null || hop.Kind != NextHopKind.Mx || hop.Connector is not { Dane: true } connector || resolution is null || resolution.Hosts.IsEmpty)
            return null;
        var lines = new List<string>();
        foreach (var host in resolution.Hosts)
        {
            var name = host.Name.TrimEnd('.');
            var found = await dane.LookupAsync(name, connector.Port, cancellationToken);
            lines.Add(found.Describe(Deliver.Tls.DaneTlsaLookup.NameFor(name, connector.Port)) + ".");
        }
        if (lines.All(l => l.Contains("delivery skips this host", StringComparison.Ordinal)))
            lines.Add("No MX host can be used: the message would wait in the queue.");
        return string.Join(" ", lines);
    }

    /// <summary>What delivery will make of the domain's MTA-STS policy (<see cref="Deliver.NextHopKeyTargetResolver"/>, <see cref="Deliver.Tls.MtaStsRequirement"/>).</summary>
    private async Task<string?> DescribeMtaStsAsync(NextHop hop, MxResolution? resolution, CancellationToken cancellationToken)
    {
        if (mtaSts is null || hop.Kind != NextHopKind.Mx || hop.Connector is not { } connector || resolution is null)
            return null;
        if (connector.MtaSts == MtaStsOutboundMode.Off)
            return $"MTA-STS is off on send connector {connector.Name}: the policy of {hop.Domain} is not looked up.";
        var lookup = await mtaSts.GetAsync(hop.Domain, refresh: false, cancellationToken);
        if (lookup.Policy is not { Mode: not Authentication.DomainHealth.MtaStsMode.None } policy)
            return lookup.Describe() + ": delivered as the connector's TLS setting says.";
        var enforced = connector.MtaSts == MtaStsOutboundMode.Enforce && policy.Mode == Authentication.DomainHealth.MtaStsMode.Enforce;
        var requirement = new Deliver.Tls.MtaStsRequirement(lookup.Domain, policy, lookup.Id!, enforced);
        var hosts = resolution.Hosts.Select(h => h.Name.TrimEnd('.')).ToList();
        var refused = hosts.Select(requirement.RefuseHost).OfType<string>().ToList();
        var verdict = enforced
            ? refused.Count == hosts.Count && hosts.Count > 0
                ? "Enforced: no MX host is named by the policy, so the message would wait in the queue (451 4.7.5)."
                : $"Enforced: delivered only {(refused.Count > 0 ? "to the hosts the policy names, " : "")}over STARTTLS with a trusted certificate for the MX name; otherwise the message waits (451 4.7.5)."
            : $"Report only (connector {connector.Name} is in {connector.MtaSts} mode{(policy.Mode == Authentication.DomainHealth.MtaStsMode.Testing ? ", and the policy is in testing mode" : "")}): violations are logged and traced, the message is delivered anyway.";
        return $"{lookup.Describe()}. {(refused.Count > 0 ? string.Join("; ", refused) + ". " : "")}{verdict}";
    }

    /// <summary>The delivery's own check (<see cref="RouteLoopDetector"/>): a route whose every host is this server loops.</summary>
    private string? DescribeLoop(NextHop hop, MxResolution? resolution)
    {
        var reasons = new List<string>();
        if (!hop.Hosts.IsEmpty)
        {
            foreach (var host in hop.Hosts)
            {
                if (loops.Check(host.Host, host.Port) is not { } reason)
                    return null;
                reasons.Add(reason);
            }
        }
        else if (resolution is { Status: MxResolutionStatus.Resolved, Hosts.IsEmpty: false })
        {
            var port = hop.Connector?.Port ?? 25;
            foreach (var host in resolution.Hosts)
            {
                var name = host.Name.TrimEnd('.');
                var addressReasons = host.Addresses.Select(a => loops.Check(a, port)).ToList();
                var reason = loops.Check(name, port)
                    ?? (addressReasons.Count > 0 && addressReasons.All(r => r is not null) ? addressReasons[0] : null);
                if (reason is null)
                    return null;
                reasons.Add($"MX {name}: {reason}");
            }
        }
        else
        {
            return null;
        }
        return $"This route points back at this server ({string.Join("; ", reasons)}). Delivery does not connect to itself: the message would wait (451 4.4.6 routing loop) until the route changes.";
    }

    private static string Summarize(ConnectionTest connection, IReadOnlyList<RecipientAcceptanceTest> acceptance, RuleDecision decision, IReadOnlyList<RoutingTest> routing, AgentWhatIf.Run? run)
    {
        if (connection.ConnectorName is null)
            return "The connection would be refused: no receive connector takes this client.";
        if (run?.SessionRefusal is { } refused)
            return $"{connection.ConnectorName} takes the connection, but the transport agent “{refused.Agent}” refuses it at {refused.Event} with {refused.Reply}.";
        var accepted = acceptance.Count(a => a.Accepted);
        var text = $"{connection.ConnectorName} takes the connection; {accepted} of {acceptance.Count} recipient(s) accepted.";
        if (accepted == 0)
            return text + " The message would not be received.";
        if (run?.EndOfDataRefusal is { } atEnd)
            return text + $" The transport agent “{atEnd.Agent}” refuses the message at the end of data with {atEnd.Reply}.";
        if (run?.Discard is { } discard)
            return text + $" The transport agent “{discard.Agent}” deletes the message silently.";
        if (run?.Quarantine is { } held)
            return text + $" The transport agent “{held.Agent}” holds it in quarantine.";
        if (decision.Reject is not null)
            return text + " A mail flow rule rejects the message.";
        if (decision.DeleteSilently)
            return text + " A mail flow rule deletes the message.";
        if (decision.Quarantine)
            return text + " A mail flow rule holds it in quarantine.";
        return text + " " + string.Join(" ", routing.Select(r => $"{r.Recipient} → {r.QueueKey}{(r.Connector is null ? "" : $" via {r.Connector}")}"
            + (r.RouteLoop is null ? "." : ", which points back at this server: a routing loop, delivery would wait.")));
    }

    private static IpBinding ParseBinding(string text)
    {
        var value = text.Trim();
        var colon = value.LastIndexOf(':');
        if (colon > 0 && int.TryParse(value[(colon + 1)..], out var port) && IPAddress.TryParse(value[..colon].Trim('[', ']'), out var ip))
            return new IpBinding(ip.ToString(), port);
        throw Invalid("Binding", $"“{text}” is not address:port (for example 0.0.0.0:25).");
    }

    private static ConfigurationValidationException Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });

    private static IReadOnlyList<string> RightNames(ReceiveRights rights) =>
        [.. Enum.GetValues<ReceiveRights>().Where(r => r != ReceiveRights.None && rights.HasFlag(r)).Select(r => r.ToString())];

    private static string Names(ReceiveRights rights) => rights == ReceiveRights.None ? "none" : string.Join(", ", RightNames(rights));
}
