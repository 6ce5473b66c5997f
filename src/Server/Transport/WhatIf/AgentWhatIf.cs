using System.Net;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.WhatIf;
using MimeKit;

namespace Mailflow.Server.Transport.WhatIf;

/// <summary>
/// Runs the transport agent pipeline for "Test mail flow" exactly as a session would — connect, HELO,
/// MAIL, each RCPT, end of data — with <see cref="AgentSession.IsWhatIf"/> set so no agent counts,
/// throttles, reports or learns. Tarpit delays are reported, not waited for.
/// </summary>
public sealed class AgentWhatIf(TransportAgentPipeline pipeline)
{
    /// <summary>The HELO name of the tested client when the request gives none.</summary>
    public const string TestHeloName = "whatif.test";

    public sealed class Run
    {
        internal Run(AgentSession session) => Session = session;

        internal AgentSession Session { get; }
        internal AgentMessage? Message { get; set; }
        public List<AgentVerdictTest> Verdicts { get; } = [];
        /// <summary>Set when the agents refuse the connection, HELO or MAIL: no recipient gets as far as RCPT TO.</summary>
        public AgentVerdictTest? SessionRefusal { get; set; }
        public AgentVerdictTest? EndOfDataRefusal { get; set; }
        public AgentVerdictTest? Discard { get; set; }
        public AgentVerdictTest? Quarantine { get; set; }
        /// <summary>The header fields the agents added at end of data, as "Name: value" (folded lines joined).</summary>
        public IReadOnlyList<string> AddedHeaders => Message is null ? [] : [.. Message.AddedHeaders.Select(h => $"{h.Key}: {MimeKit.Header.Unfold(h.Value)}")];
    }

    public async Task<Run> StartAsync(TransportConfig config, ReceivePolicy policy, IPAddress client, MailFlowTestRequest request, CancellationToken cancellationToken)
    {
        var sender = request.Sender.Trim().Trim('<', '>');
        var session = new AgentSession
        {
            SessionId = "what-if",
            Policy = policy,
            Snapshot = config,
            ClientAddress = client,
            IsWhatIf = true,
            HeloName = string.IsNullOrWhiteSpace(request.HeloName) ? TestHeloName : request.HeloName.Trim(),
            Extended = true,
            Identity = request.Authenticated ? new SubmissionIdentity(sender.Length == 0 ? "tested-user" : sender, sender.Length == 0 ? [] : [sender], []) : null,
        };
        var run = new Run(session);
        if (Refused(run, await pipeline.ConnectAsync(session, cancellationToken), null) is not null
            || Refused(run, await pipeline.HeloAsync(session, cancellationToken), null) is not null)
            return run;
        SmtpPathParser.TryParseMailbox(sender, out var senderAddress);
        var message = new AgentMessage { Sender = sender.Length == 0 ? null : senderAddress, Parameters = MailParameters.None };
        if (Refused(run, await pipeline.MailFromAsync(session, message, cancellationToken), null) is null)
            run.Message = message;
        return run;
    }

    /// <returns>The refusal of this recipient by an agent, or null when the agents accept it.</returns>
    public async Task<AgentVerdictTest?> RcptAsync(Run run, SmtpAddress recipient, CancellationToken cancellationToken)
    {
        if (run.Message is null)
            return run.SessionRefusal;
        var outcome = await pipeline.RcptToAsync(run.Session, run.Message, new AgentRecipient(recipient, new RcptParameters()), cancellationToken);
        var refusal = Refused(run, outcome, recipient.Address, sessionLevel: false);
        if (refusal is null)
            run.Message.Recipients.Add(new EnvelopeRecipient(recipient.Address));
        return refusal;
    }

    public async Task EndOfDataAsync(Run run, MimeMessage message, CancellationToken cancellationToken)
    {
        if (run.Message is null || run.Message.Recipients.Count == 0)
            return;
        using var buffer = new MemoryStream();
        await message.WriteToAsync(FormatOptions.Default, buffer, cancellationToken);
        var bytes = buffer.ToArray();
        var content = new AgentContent(bytes.Length, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes, writable: false)));
        var outcome = await pipeline.EndOfDataAsync(run.Session, run.Message, content, cancellationToken);
        var recorded = Add(run, outcome);
        var deciding = recorded.LastOrDefault();
        switch (outcome.Verdict.Kind)
        {
            case AgentVerdictKind.Reject or AgentVerdictKind.TempFail or AgentVerdictKind.Disconnect:
                run.EndOfDataRefusal = deciding;
                break;
            case AgentVerdictKind.Discard:
                run.Discard = deciding;
                break;
            case AgentVerdictKind.Quarantine:
                run.Quarantine = deciding;
                break;
        }
    }

    private static AgentVerdictTest? Refused(Run run, AgentOutcome outcome, string? recipient, bool sessionLevel = true)
    {
        var recorded = Add(run, outcome);
        if (!outcome.Refuses)
            return null;
        var refusal = recorded.Last();
        if (sessionLevel)
            run.SessionRefusal = refusal;
        return refusal;
    }

    private static List<AgentVerdictTest> Add(Run run, AgentOutcome outcome)
    {
        var added = outcome.Decisions.Select(ToTest).ToList();
        run.Verdicts.AddRange(added);
        return added;
    }

    private static AgentVerdictTest ToTest(AgentDecision decision)
    {
        var eventText = TransportAgentCatalog.EventNames(decision.Event) is [var name] ? name : decision.Event.ToString();
        var reply = decision.Verdict.Reply is { } r ? $"{r.Code} {r.Enhanced} {r.Text.Replace('\n', ' ')}" : null;
        var detail = decision.Verdict.Detail;
        if (decision.Verdict.Kind == AgentVerdictKind.Tarpit)
            detail = $"would wait {decision.Verdict.Delay.TotalSeconds:0.#} s before answering" + (detail is null ? "" : $" ({detail})");
        return new AgentVerdictTest(decision.AgentDisplayName, eventText, AgentDecision.VerdictWord(decision.Verdict.Kind), reply, detail,
            decision.Recipient, decision.Verdict.Refuses);
    }
}
