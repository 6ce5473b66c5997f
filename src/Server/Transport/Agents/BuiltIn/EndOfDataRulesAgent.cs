using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.BuiltIn;

/// <summary>
/// Mail flow rules that reject or silently delete, evaluated at the end of DATA before the 250: a
/// rejected sender gets the rule's reply during the SMTP transaction (no NDR backscatter later) and
/// a deleted message is acknowledged and dropped. Everything else the rules do happens in the
/// categorizer. Parses the message only when such a rule exists.
/// </summary>
public sealed class EndOfDataRulesAgent(TransportRuleEvaluator evaluator) : ITransportAgent
{
    public string Name => "TransportRules";
    public string DisplayName => "Mail flow rules (reject and delete)";
    public string Description => "Runs the mail flow rules that reject or silently delete a message before it is acknowledged.";
    public AgentEvents Events => AgentEvents.EndOfData;
    public int DefaultPriority => 500;
    public bool CanBeDisabled => false;

    public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        if (!SubmissionSink.HasEndOfDataRules(session.Snapshot))
            return AgentVerdict.Continue;
        var parsed = await content.GetMessageAsync(cancellationToken);
        var context = new RuleMessageContext(parsed)
        {
            EnvelopeSender = message.SenderAddress,
            Recipients = [.. message.Recipients.Select(r => r.Address)],
            SizeBytes = content.Size,
            ClientAddress = session.ClientAddress,
            Authenticated = session.IsAuthenticated,
            Scl = message.Tags.GetNumber(AgentTagNames.SpamConfidenceLevel) is { } scl ? (int)scl : null,
            Tags = message.Tags,
        };
        var decision = evaluator.Evaluate(session.Snapshot, context).Decision;
        if (decision.Reject is { } reject)
        {
            var reply = new SmtpReply(reject.SmtpCode, reject.EnhancedStatusCode, reject.Text);
            var why = $"rule '{reject.RuleName}' rejected the message";
            return reply.IsTransient ? AgentVerdict.TempFail(reply, why) : AgentVerdict.Reject(reply, why);
        }
        return decision.DeleteSilently ? AgentVerdict.Discard("a mail flow rule deleted the message silently") : AgentVerdict.Continue;
    }
}
