using Mailflow.Configuration;
using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Smtp;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Agents.Authentication;

/// <summary>
/// SPF, DKIM and DMARC at the end of DATA on connectors whose sender authentication is on: the
/// verdicts become message tags (<see cref="AgentTagNames.SpfResult"/> and its siblings, for mail flow
/// rules, message details and the trace) and one Authentication-Results header with our authserv-id.
/// On an enforcing connector a DMARC fail is refused (p=reject: 550 5.7.1 with the reason) or
/// quarantined (p=quarantine), and a DNS failure that leaves DMARC undecided is answered 451 4.7.5 —
/// never a 250 on a guess. Authenticated clients are not checked; trusted relays are checked and
/// tagged but never refused.
/// </summary>
public sealed class SenderAuthenticationAgent(SenderAuthenticator authenticator, IOptions<AuthenticationOptions> options, IOptions<MailflowOptions> node,
    Transport.Authentication.Dmarc.Reports.DmarcObservationCollector? observations = null) : ITransportAgent
{
    public string Name => "SenderAuthentication";
    public string DisplayName => "Sender authentication (SPF, DKIM, DMARC)";
    public string Description => "Checks SPF, DKIM and DMARC of mail from anonymous senders, adds an Authentication-Results header and, where the connector enforces it, honours the sender domain's DMARC policy.";
    public AgentEvents Events => AgentEvents.EndOfData;
    public int DefaultPriority => 300;
    // SPF alone may take 20 s (RFC 7208 §4.6.4); a failure of this agent lets the message through untagged.
    public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(30);
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.FailOpen;

    public static readonly SmtpReply TemporaryFailure = new(451, "4.7.5", "Sender authentication could not be completed (DNS failure); try again later");

    public string AuthServId => options.Value.EffectiveAuthServId(node.Value);

    public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        var mode = session.Policy.SenderAuthentication;
        if (mode == SenderAuthenticationMode.Off || session.IsAuthenticated)
            return AgentVerdict.Continue;
        var parsed = await content.GetMessageAsync(cancellationToken);
        var result = await authenticator.AuthenticateAsync(session.ClientAddress, session.HeloName ?? "", message.SenderAddress, parsed, cancellationToken);

        if (!session.IsWhatIf)
            observations?.Record(session.ClientAddress, result);
        message.Tags.Set(AgentTagNames.SpfResult, result.Spf.ResultText);
        message.Tags.Set(AgentTagNames.DkimResult, result.DkimSummary.ToText());
        message.Tags.Set(AgentTagNames.DmarcResult, result.Dmarc.ResultText);
        message.Tags.Set(AuthenticationTagNames.SpfDomain, result.Spf.Domain);
        var passing = result.Dkim.Where(d => d.Result == DkimResult.Pass).Select(d => d.Domain).Distinct().ToArray();
        if (passing.Length > 0)
            message.Tags.Set(AuthenticationTagNames.DkimPassDomains, string.Join(",", passing));
        if (result.FromDomain is not null)
            message.Tags.Set(AuthenticationTagNames.FromDomain, result.FromDomain);
        if (result.Arc is { } arc)
            message.Tags.Set(AuthenticationTagNames.ArcResult, arc.ResultText);
        if (result.Dmarc.Result == DmarcResult.Fail)
            message.Tags.Set(AuthenticationTagNames.DmarcDisposition, result.Dmarc.Disposition.ToText());
        // RFC 8601 §5: results that claim to be ours but did not come from us are removed, so that
        // nothing downstream trusts a forged "dmarc=pass".
        var forged = (await content.GetHeaderFieldsAsync(cancellationToken))
            .Where(f => f.Name.Equals(AuthenticationResultsHeader.Name, StringComparison.OrdinalIgnoreCase) && AuthenticationResultsHeader.ClaimsToBe(f.Value, AuthServId))
            .ToArray();
        foreach (var field in forged)
            message.RemoveReceivedHeader(field);
        if (forged.Length > 0)
            message.Tags.Set(AuthenticationTagNames.ForgedResults, forged.Length);
        message.AddHeader(AuthenticationResultsHeader.Name, AuthenticationResultsHeader.Render(AuthServId, result));

        var summary = $"spf={result.Spf.ResultText} ({result.Spf.Domain}), dkim={result.DkimSummary.ToText()}, dmarc={result.Dmarc.ResultText}"
                      + (result.FromDomain is null ? "" : $" ({result.FromDomain})")
                      + (result.Arc is null ? "" : $", arc={result.Arc.ResultText}") + $" — {result.Dmarc.Reason}"
                      + (forged.Length == 0 ? "" : $"; removed {forged.Length} Authentication-Results header(s) from outside claiming our authserv-id {AuthServId}");
        if (mode != SenderAuthenticationMode.Enforce || IsTrustedRelay(session))
            return AgentVerdict.ContinueWith(summary);
        if (result.Dmarc.Result == DmarcResult.TempError
            || (result.Dmarc.Result == DmarcResult.Fail && result.AnyTemporaryError))
            return AgentVerdict.TempFail(TemporaryFailure, summary);
        if (result.Dmarc.Result != DmarcResult.Fail)
            return AgentVerdict.ContinueWith(summary);
        return result.Dmarc.Disposition switch
        {
            DmarcPolicy.Reject => AgentVerdict.Reject(new SmtpReply(550, "5.7.1",
                $"Message rejected: {result.FromDomain} DMARC policy is reject and neither SPF nor DKIM passed in alignment"), summary),
            DmarcPolicy.Quarantine => AgentVerdict.Quarantine($"DMARC policy of {result.FromDomain} is quarantine: {summary}"),
            _ => AgentVerdict.ContinueWith(summary),
        };
    }

    /// <summary>A trusted relay (the connector's TrustedRelayServers group, or an externally secured link) is checked but not refused.</summary>
    private static bool IsTrustedRelay(AgentSession session) =>
        session.Policy.PermissionGroups.HasFlag(ReceivePermissionGroups.TrustedRelayServers) || session.Policy.ExternallySecured;
}
