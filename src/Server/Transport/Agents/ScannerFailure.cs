using Mailflow.Configuration;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents;

/// <summary>What a content scanner (Rspamd, clamd) that could not answer means for the message, per its <see cref="ScannerFailureAction"/>.</summary>
public static class ScannerFailure
{
    /// <param name="resultTag">The tag that says the message was not scanned (set to <c>unscanned</c> when accepted).</param>
    /// <param name="what">What went wrong, for the trace.</param>
    public static AgentVerdict Verdict(ScannerFailureAction action, AgentMessage message, string resultTag, string what)
    {
        if (action == ScannerFailureAction.TempFail)
            return AgentVerdict.TempFail(SmtpReplies.AgentUnavailable, $"{what}; the client was asked to try again");
        message.Tags.Set(resultTag, "unscanned");
        return AgentVerdict.ContinueWith($"{what}; accepted unscanned and tagged {resultTag}=unscanned");
    }
}
