using System.Globalization;
using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents.SenderFiltering;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.AntiSpam;

/// <summary>
/// Anti-spam at end of data through Rspamd (<see cref="RspamdClient"/>). The score becomes the
/// message's <see cref="AgentTagNames.SpamScore"/> and spam confidence level
/// (<see cref="AgentTagNames.SpamConfidenceLevel"/>, 0–9; −1 when the sender bypasses the check, as
/// Exchange marks trusted mail), and the thresholds in the protection settings decide: refuse with
/// 550 5.7.1, hold in quarantine, add X-Spam headers, or put a prefix in front of the subject (the categorizer
/// writes it into the stored content, <see cref="AgentTagNames.SpamSubjectPrefix"/>). Authenticated senders, sessions the receive connector grants
/// the bypass-anti-spam right (Exchange's Ms-Exch-Bypass-Anti-Spam) and clients on the IP allow list bypass the check
/// by default. Rspamd down or slow: tempfail or accept and tag, as the settings say.
/// </summary>
public sealed class AntiSpamAgent(RspamdClient rspamd) : ITransportAgent
{
    public const string AgentName = "AntiSpam";
    /// <summary>Message tag: "scanned", "bypassed" or "unscanned" (Rspamd could not be asked).</summary>
    public const string ResultTag = Mailflow.Queue.MessageTagNames.SpamResult;
    public const string ActionTag = Mailflow.Queue.MessageTagNames.SpamAction;
    public const string SymbolsTag = Mailflow.Queue.MessageTagNames.SpamSymbols;

    public string Name => AgentName;
    public string DisplayName => "Anti-spam (Rspamd)";
    public string Description => "Scores each message with Rspamd; rejects, quarantines or marks spam by the configured thresholds.";
    public AgentEvents Events => AgentEvents.EndOfData;
    public int DefaultPriority => 450;
    /// <summary>The agent applies its own time limit (<see cref="AntiSpamSettings.TimeoutMilliseconds"/>) and failure action; this only bounds a stuck call.</summary>
    public TimeSpan DefaultTimeout => TimeSpan.FromMinutes(2);
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.FailOpen;

    public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        var settings = session.Snapshot.Protection.AntiSpam;
        if (!settings.Enabled)
            return AgentVerdict.Continue;
        var bypass = SenderFilterAgent.IsAllowedSender(session.Snapshot.Protection.SenderFilter, message.SenderAddress)
            ? $"{message.SenderAddress} is an allowed sender"
            : settings.BypassTrustedSenders ? BypassReason(session) : null;
        if (bypass is { } why)
        {
            message.Tags.Set(ResultTag, "bypassed");
            message.Tags.Set(AgentTagNames.SpamConfidenceLevel, -1);
            return AgentVerdict.ContinueWith($"not scanned: {why}");
        }

        RspamdResult result;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(settings.TimeoutMilliseconds);
            try
            {
                await using var stream = await content.OpenReadAsync(limit.Token);
                result = await rspamd.CheckAsync(new Uri(settings.RspamdUrl.TrimEnd('/') + "/"), Envelope(session, message), stream, limit.Token);
            }
            catch (Exception exception) when (exception is HttpRequestException or RspamdException or JsonException
                                              || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var what = exception is OperationCanceledException
                    ? $"Rspamd gave no answer within {settings.TimeoutMilliseconds} ms"
                    : $"Rspamd could not be asked ({exception.Message})";
                return ScannerFailure.Verdict(settings.OnFailure, message, ResultTag, what);
            }
        }

        var scl = ConfidenceLevel(result, settings);
        message.Tags.Set(ResultTag, "scanned");
        message.Tags.Set(AgentTagNames.SpamScore, result.Score);
        message.Tags.Set(AgentTagNames.SpamConfidenceLevel, scl);
        message.Tags.Set(ActionTag, result.Action);
        message.Tags.Set(SymbolsTag, string.Join(",", result.Symbols.Take(20).Select(s => s.Key)));
        var detail = $"{RspamdClient.Describe(result)}; SCL {scl}";

        if (Reached(result.Score, settings.RejectScore) || (settings.FollowRspamdAction && result.Action == "reject"))
            return AgentVerdict.Reject(new SmtpReply(550, "5.7.1", settings.RejectText), detail);
        if (Reached(result.Score, settings.QuarantineScore))
            return AgentVerdict.Quarantine($"spam, {detail}");
        var marks = new List<string>();
        if (Reached(result.Score, settings.AddHeaderScore) || (settings.FollowRspamdAction && result.Action is "add header" or "rewrite subject"))
        {
            message.AddHeader("X-Spam-Flag", "YES");
            message.AddHeader("X-Spam-Score", result.Score.ToString("0.##", CultureInfo.InvariantCulture));
            message.AddHeader("X-Spam-Status", $"Yes, score={result.Score.ToString("0.##", CultureInfo.InvariantCulture)}, scl={scl}");
            marks.Add("X-Spam headers");
        }
        if (Reached(result.Score, settings.PrependSubjectScore) || (settings.FollowRspamdAction && result.Action == "rewrite subject"))
        {
            var prefix = SubjectPrefixFor(settings);
            message.Tags.Set(AgentTagNames.SpamSubjectPrefix, prefix);
            marks.Add($"subject prefixed with “{prefix.TrimEnd()}”");
        }
        return marks.Count > 0 ? AgentVerdict.ContinueWith($"marked as spam ({string.Join(", ", marks)}), {detail}") : AgentVerdict.ContinueWith(detail);
    }

    /// <summary>The configured prefix with one space after it, so "[SPAM]" reads "[SPAM] Hello".</summary>
    public static string SubjectPrefixFor(AntiSpamSettings settings)
    {
        var prefix = string.IsNullOrWhiteSpace(settings.SubjectPrefix) ? AntiSpamSettings.DefaultSubjectPrefix : settings.SubjectPrefix.Trim();
        return prefix + " ";
    }

    private static string? BypassReason(AgentSession session)
    {
        if (session.IsAuthenticated)
            return $"the sender authenticated as {session.Identity!.UserName}";
        if (session.Tags.IsTrue(AgentTagNames.ConnectionAllowed))
            return $"{session.ClientAddress} is on the IP allow list";
        // Exchange's Ms-Exch-Bypass-Anti-Spam right: the connector's permission groups grant it (e.g. to partners or externally secured links).
        if ((session.Rights & ReceiveRights.BypassAntiSpam) != 0)
            return $"receive connector {session.ConnectorName} grants this session the bypass-anti-spam right";
        return null;
    }

    /// <summary>
    /// The score on Exchange's 0–9 scale: 0 for a score of 0 or less, 9 from the reject score on,
    /// linear in between (the reject score is the settings', else Rspamd's required score, else 15).
    /// </summary>
    public static int ConfidenceLevel(RspamdResult result, AntiSpamSettings settings)
    {
        var top = settings.RejectScore ?? (double.IsNaN(result.RequiredScore) ? 15 : result.RequiredScore);
        if (result.Action == "reject" || result.Score >= top)
            return 9;
        if (result.Score <= 0 || top <= 0)
            return 0;
        return Math.Clamp((int)Math.Floor(9 * result.Score / top), 0, 8);
    }

    private static bool Reached(double score, double? threshold) => threshold is { } t && score >= t;

    private static RspamdEnvelope Envelope(AgentSession session, AgentMessage message) => new(
        session.ClientAddress.ToString(),
        session.HeloName,
        message.SenderAddress,
        [.. message.Recipients.Select(r => r.Address)],
        session.Identity?.UserName);
}
