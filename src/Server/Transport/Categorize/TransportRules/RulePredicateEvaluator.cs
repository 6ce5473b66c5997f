using System.Globalization;
using Mailflow.Configuration;
using Mailflow.Net;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// Evaluates one condition or exception (a <see cref="RuleCatalog.Predicates"/> kind) against a message,
/// and says in plain language why it matched or not — the "Test mail flow" page shows these sentences
/// to admins as they are. Every kind of the catalog is handled here; an unknown kind never matches.
/// </summary>
internal sealed class RulePredicateEvaluator(TransportConfig config, RuleMessageContext context)
{
    private readonly Dictionary<Guid, HashSet<Guid>> groupMembers = [];

    public PredicateEvaluation Evaluate(RulePredicate predicate, SenderAddressLocation senderLocation, int? scl)
    {
        var definition = RuleCatalog.FindPredicate(predicate.Kind);
        if (definition is null)
            return new PredicateEvaluation(predicate, predicate.Kind, false, $"“{predicate.Kind}” is not a condition Mailflow supports, so it never matches.");
        var values = predicate.Values.Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        var (matched, explanation, problem) = predicate.Kind switch
        {
            "SenderIs" => SenderIs(values, senderLocation),
            "SenderDomainIs" => SenderDomainIs(values, senderLocation),
            "SenderScope" => SenderScope(values, senderLocation),
            "RecipientIs" => RecipientIs(values),
            "RecipientDomainIs" => RecipientDomainIs(values),
            "RecipientScope" => RecipientScope(values),
            "AnyRecipientMemberOf" => AnyRecipientMemberOf(values),
            "SubjectContainsWords" => Words("The subject", Quote(context.Text.Subject), context.Text.Subject, values),
            "SubjectMatchesPatterns" => Patterns("The subject", Quote(context.Text.Subject), context.Text.Subject, values),
            "SubjectOrBodyContainsWords" => Either(Words("The subject", Quote(context.Text.Subject), context.Text.Subject, values),
                () => Words("The body", "", context.Text.Body, values)),
            "SubjectOrBodyMatchesPatterns" => Either(Patterns("The subject", Quote(context.Text.Subject), context.Text.Subject, values),
                () => Patterns("The body", "", context.Text.Body, values)),
            "HeaderContainsWords" => Header(predicate.HeaderName, values, patterns: false),
            "HeaderMatchesPatterns" => Header(predicate.HeaderName, values, patterns: true),
            "AttachmentExtensionIs" => AttachmentExtensionIs(values),
            "AttachmentNameMatchesPatterns" => AttachmentNameMatches(values),
            "AttachmentSizeOver" => AttachmentSizeOver(values),
            "MessageSizeOver" => MessageSizeOver(values),
            "SenderIpInRanges" => SenderIpInRanges(values),
            "ReceivedAuthenticated" => context.Authenticated
                ? Result(true, "The message was received over an authenticated SMTP session.")
                : Result(false, "The message was not received over an authenticated SMTP session."),
            "SclAtLeast" => SclAtLeast(values, scl),
            "SenderAddressMatchesPatterns" => SenderMatches(values, senderLocation),
            "RecipientAddressMatchesPatterns" => RecipientMatches(values),
            "RecipientAddressContainsWords" => AnyRecipient(r => values.Any(v => r.Contains(v, StringComparison.OrdinalIgnoreCase)),
                r => $"The recipient {r} includes “{values.First(v => r.Contains(v, StringComparison.OrdinalIgnoreCase))}”.",
                () => $"No recipient address includes {OrList(values.Select(v => $"“{v}”"))}."),
            "SentToOrCcContains" => SentToOrCc(values),
            "MessageTypeIs" => MessageType(definition, values),
            "ImportanceIs" => ImportanceIs(definition, values),
            "AttachmentContainsWords" => RuleAttachmentContent.ContainsWords(context.Attachments, values),
            "AttachmentIsPasswordProtected" => RuleAttachmentContent.PasswordProtected(context.Attachments),
            "AttachmentCannotBeInspected" => RuleAttachmentContent.NotInspectable(context.Attachments),
            "HasNoAttachment" => context.Attachments.IsEmpty
                ? Result(true, "The message has no attachment.")
                : Result(false, $"The message has {(context.Attachments.Length == 1 ? "an attachment" : $"{context.Attachments.Length} attachments")}: {AndList(context.Attachments.Select(a => $"“{a.FileName}”"))}."),
            "CharsetIs" => CharsetIs(values),
            "SpfResultIs" => Verdict("SPF", context.SpfResult, definition, values),
            "DkimResultIs" => Verdict("DKIM", context.DkimResult, definition, values),
            "DmarcResultIs" => Verdict("DMARC", context.DmarcResult, definition, values),
            _ => Result(false, $"“{definition.Label}” is not evaluated by this version of Mailflow, so it never matches."),
        };
        return new PredicateEvaluation(predicate, definition.Label, matched, explanation, problem);
    }

    private static (bool, string, string?) Result(bool matched, string explanation, string? problem = null) => (matched, explanation, problem);

    // ---- Senders ----

    private List<(string Address, string Where)> Senders(SenderAddressLocation location)
    {
        var senders = new List<(string, string)>();
        if (location is SenderAddressLocation.Envelope or SenderAddressLocation.HeaderOrEnvelope && context.EnvelopeSender.Length > 0)
            senders.Add((context.EnvelopeSender, "envelope sender (MAIL FROM)"));
        if (location is SenderAddressLocation.Header or SenderAddressLocation.HeaderOrEnvelope)
            foreach (var from in context.HeaderSenders)
                if (!senders.Any(s => string.Equals(s.Item1, from, StringComparison.OrdinalIgnoreCase)))
                    senders.Add((from, "From: address"));
        return senders;
    }

    private static string NoSender(SenderAddressLocation location) => location switch
    {
        SenderAddressLocation.Envelope => "The message has no envelope sender (it is a bounce or notification, MAIL FROM:<>).",
        SenderAddressLocation.Header => "The message has no From: address.",
        _ => "The message has neither an envelope sender nor a From: address.",
    };

    private (bool, string, string?) SenderIs(List<string> values, SenderAddressLocation location) =>
        AnySender(location, s => values.Contains(s, StringComparer.OrdinalIgnoreCase),
            (s, where) => $"The {where} {s} is one of the listed senders.",
            (s, where) => $"The {where} {s} is not {OrList(values)}.");

    private (bool, string, string?) SenderDomainIs(List<string> values, SenderAddressLocation location) =>
        AnySender(location, s => MatchingDomain(MailAddressParts.DomainOf(s), values) is not null,
            (s, where) => $"The {where} {s} is in the domain {MatchingDomain(MailAddressParts.DomainOf(s), values)}.",
            (s, where) => $"The {where} {s} is not in {OrList(values)} (or a subdomain).");

    private (bool, string, string?) SenderScope(List<string> values, SenderAddressLocation location) =>
        AnySender(location, s => values.Contains(ScopeOf(s)),
            (s, where) => $"The {where} {s} is {DescribeScope(s)}.",
            (s, where) => $"The {where} {s} is {DescribeScope(s)}.",
            noSenderMatches: values.Contains("NotInOrganization"));

    private (bool, string, string?) AnySender(SenderAddressLocation location, Func<string, bool> test,
        Func<string, string, string> matched, Func<string, string, string> notMatched, bool noSenderMatches = false)
    {
        var senders = Senders(location);
        if (senders.Count == 0)
            return Result(noSenderMatches, NoSender(location) + (noSenderMatches ? " A message without a sender is treated as coming from outside the organization." : ""));
        foreach (var (address, where) in senders)
            if (test(address))
                return Result(true, matched(address, where));
        return Result(false, string.Join(" ", senders.Select(s => notMatched(s.Address, s.Where))));
    }

    // ---- Recipients ----

    private (bool, string, string?) RecipientIs(List<string> values) =>
        AnyRecipient(r => values.Contains(r, StringComparer.OrdinalIgnoreCase),
            r => $"The recipient {r} is one of the listed recipients.",
            () => $"No recipient is {OrList(values)}.");

    private (bool, string, string?) RecipientDomainIs(List<string> values) =>
        AnyRecipient(r => MatchingDomain(MailAddressParts.DomainOf(r), values) is not null,
            r => $"The recipient {r} is in the domain {MatchingDomain(MailAddressParts.DomainOf(r), values)}.",
            () => $"No recipient is in {OrList(values)} (or a subdomain).");

    private (bool, string, string?) RecipientScope(List<string> values) =>
        AnyRecipient(r => values.Contains(ScopeOf(r)),
            r => $"The recipient {r} is {DescribeScope(r)}.",
            () => values.Contains("InOrganization")
                ? "Every recipient is outside the organization."
                : "Every recipient is inside the organization.");

    private (bool, string, string?) AnyRecipient(Func<string, bool> test, Func<string, string> matched, Func<string> notMatched)
    {
        if (context.Recipients.Count == 0)
            return Result(false, "The message has no recipients.");
        foreach (var recipient in context.Recipients)
            if (test(recipient))
                return Result(true, matched(recipient));
        return Result(false, notMatched());
    }

    private (bool, string, string?) AnyRecipientMemberOf(List<string> values)
    {
        var groups = new List<Recipient>();
        var missing = 0;
        foreach (var value in values)
        {
            if (Guid.TryParse(value, out var id) && config.FindRecipient(id) is { Kind: RecipientKind.DistributionGroup } group)
                groups.Add(group);
            else
                missing++;
        }
        var missingNote = missing == 0 ? "" : missing == 1 ? " One of the rule's groups no longer exists." : $" {missing} of the rule's groups no longer exist.";
        if (groups.Count == 0)
            return Result(false, "None of the rule's groups exists any more, so no recipient can be a member.");
        foreach (var address in context.Recipients)
        {
            var recipient = config.FindAcceptedDomain(MailAddressParts.DomainOf(address)) is null ? null : config.FindRecipient(address);
            if (recipient is null)
                continue;
            foreach (var group in groups)
            {
                if (recipient.Id == group.Id)
                    return Result(true, $"The recipient {address} is the group {group.PrimaryAddress} itself, so each of its members receives the message." + missingNote);
                if (MembersOf(group).Contains(recipient.Id))
                    return Result(true, $"The recipient {address} is a member of the group {group.PrimaryAddress}." + missingNote);
            }
        }
        return Result(false, $"No recipient is a member of {OrList(groups.Select(g => g.PrimaryAddress))}, directly or through nested groups." + missingNote);
    }

    /// <summary>Every recipient in the group, through nested groups to any depth; loops are followed once.</summary>
    private HashSet<Guid> MembersOf(Recipient group)
    {
        if (groupMembers.TryGetValue(group.Id, out var cached))
            return cached;
        var members = new HashSet<Guid>();
        var pending = new Stack<Recipient>([group]);
        var seenGroups = new HashSet<Guid> { group.Id };
        while (pending.TryPop(out var current))
        {
            foreach (var id in current.MemberIds)
            {
                members.Add(id);
                if (config.FindRecipient(id) is { Kind: RecipientKind.DistributionGroup } nested && seenGroups.Add(nested.Id))
                    pending.Push(nested);
            }
        }
        groupMembers[group.Id] = members;
        return members;
    }

    // ---- Text ----

    private static (bool, string, string?) Words(string what, string shown, string text, List<string> words)
    {
        var match = RuleTextMatcher.ContainsAnyWord(text, words);
        var subject = shown.Length > 0 ? $"{what} {shown}" : what;
        if (match.Matched)
            return Result(true, $"{subject} includes the word “{match.Value}”.");
        if (match.TimedOutPattern is not null)
            return Result(false, $"{subject} was too long to search for “{match.TimedOutPattern}” in time; treated as not matching.",
                $"Searching for “{match.TimedOutPattern}” took longer than {TransportRuleService.PatternTimeout.TotalMilliseconds:0} ms.");
        return Result(false, $"{subject} includes none of {AndList(words.Select(w => $"“{w}”"))}.");
    }

    private static (bool, string, string?) Patterns(string what, string shown, string text, List<string> patterns)
    {
        var match = RuleTextMatcher.MatchesAnyPattern(text, patterns);
        var subject = shown.Length > 0 ? $"{what} {shown}" : what;
        if (match.Matched)
            return Result(true, $"{subject} matches the pattern “{match.Value}”.");
        if (match.TimedOutPattern is not null)
            return Result(false, $"{subject} did not match; the pattern “{match.TimedOutPattern}” took too long and was treated as not matching.",
                $"The pattern “{match.TimedOutPattern}” took longer than {TransportRuleService.PatternTimeout.TotalMilliseconds:0} ms.");
        if (match.InvalidPattern is not null)
            return Result(false, $"{subject} did not match; the pattern “{match.InvalidPattern}” is not a valid pattern.",
                $"The pattern “{match.InvalidPattern}” is not a valid regular expression.");
        return Result(false, $"{subject} matches none of the patterns {AndList(patterns.Select(p => $"“{p}”"))}.");
    }

    private static (bool, string, string?) Either((bool Matched, string Explanation, string? Problem) first, Func<(bool Matched, string Explanation, string? Problem)> second)
    {
        if (first.Matched)
            return first;
        var other = second();
        if (other.Matched)
            return other;
        return Result(false, first.Explanation + " " + other.Explanation, first.Problem ?? other.Problem);
    }

    private (bool, string, string?) Header(string? name, List<string> values, bool patterns)
    {
        if (string.IsNullOrWhiteSpace(name))
            return Result(false, "The condition names no header, so it never matches.");
        var headers = context.Message.Headers.Where(h => string.Equals(h.Field, name.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        if (headers.Count == 0)
            return Result(false, $"The message has no {name.Trim()}: header.");
        (bool Matched, string Explanation, string? Problem) last = default;
        foreach (var header in headers)
        {
            // Header.Value is unfolded and RFC 2047-decoded by MimeKit.
            var value = header.Value ?? "";
            last = patterns
                ? Patterns($"The {header.Field}: header", Quote(value), value, values)
                : Words($"The {header.Field}: header", Quote(value), value, values);
            if (last.Matched)
                return last;
        }
        return last;
    }

    // ---- Attachments and sizes ----

    private (bool, string, string?) AttachmentExtensionIs(List<string> values)
    {
        var extensions = values.Select(v => v.TrimStart('*').TrimStart('.')).Where(v => v.Length > 0).ToList();
        if (context.Attachments.IsEmpty)
            return Result(false, "The message has no attachments.");
        foreach (var attachment in context.Attachments)
            if (extensions.Contains(attachment.Extension, StringComparer.OrdinalIgnoreCase))
                return Result(true, $"The attachment “{attachment.FileName}” has the extension .{attachment.Extension}.");
        return Result(false, $"No attachment ({AndList(context.Attachments.Select(a => $"“{a.FileName}”"))}) has the extension {OrList(extensions.Select(e => "." + e))}.");
    }

    private (bool, string, string?) AttachmentNameMatches(List<string> values)
    {
        if (context.Attachments.IsEmpty)
            return Result(false, "The message has no attachments.");
        (bool Matched, string Explanation, string? Problem) last = default;
        foreach (var attachment in context.Attachments)
        {
            last = Patterns("The attachment name", Quote(attachment.FileName), attachment.FileName, values);
            if (last.Matched)
                return last;
        }
        return context.Attachments.Length == 1 ? last : Result(false, $"No attachment name ({AndList(context.Attachments.Select(a => $"“{a.FileName}”"))}) matches {OrList(values.Select(v => $"“{v}”"))}.", last.Problem);
    }

    private (bool, string, string?) AttachmentSizeOver(List<string> values)
    {
        if (!TryMinimum(values, out var limit))
            return Result(false, "The condition has no valid size, so it never matches.");
        if (context.Attachments.IsEmpty)
            return Result(false, "The message has no attachments.");
        var largest = context.Attachments.MaxBy(a => a.SizeBytes)!;
        return largest.SizeBytes > limit
            ? Result(true, $"The attachment “{largest.FileName}” is {Size(largest.SizeBytes)}, larger than {Size(limit)}.")
            : Result(false, $"The largest attachment, “{largest.FileName}”, is {Size(largest.SizeBytes)}, not larger than {Size(limit)}.");
    }

    private (bool, string, string?) MessageSizeOver(List<string> values)
    {
        if (!TryMinimum(values, out var limit))
            return Result(false, "The condition has no valid size, so it never matches.");
        return context.SizeBytes > limit
            ? Result(true, $"The message is {Size(context.SizeBytes)}, larger than {Size(limit)}.")
            : Result(false, $"The message is {Size(context.SizeBytes)}, not larger than {Size(limit)}.");
    }

    private (bool, string, string?) SenderIpInRanges(List<string> values)
    {
        if (context.ClientAddress is null)
            return Result(false, "The sending server's IP address is not known.");
        foreach (var value in values)
            if (IpRange.TryParse(value, out var range, out _) && range.Contains(context.ClientAddress))
                return Result(true, $"The sending server's IP address {context.ClientAddress} is in {range}.");
        return Result(false, $"The sending server's IP address {context.ClientAddress} is not in {OrList(values)}.");
    }

    private static (bool, string, string?) SclAtLeast(List<string> values, int? scl)
    {
        if (values.Count == 0 || !int.TryParse(values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var threshold))
            return Result(false, "The condition has no valid spam confidence level, so it never matches.");
        if (scl is null)
            return Result(false, "The message has no spam confidence level (SCL) yet.");
        return scl >= threshold
            ? Result(true, $"The spam confidence level is {scl}, at least {threshold}.")
            : Result(false, $"The spam confidence level is {scl}, below {threshold}.");
    }

    // ---- Addresses by pattern, header recipients, message kinds ----

    private (bool, string, string?) SenderMatches(List<string> patterns, SenderAddressLocation location)
    {
        var senders = Senders(location);
        if (senders.Count == 0)
            return Result(false, NoSender(location));
        (bool Matched, string Explanation, string? Problem) last = default;
        foreach (var (address, where) in senders)
        {
            last = Patterns($"The {where}", address, address, patterns);
            if (last.Matched)
                return last;
        }
        return senders.Count == 1 ? last : Result(false, $"No sender address ({AndList(senders.Select(s => s.Address))}) matches {OrList(patterns.Select(p => $"“{p}”"))}.", last.Problem);
    }

    private (bool, string, string?) RecipientMatches(List<string> patterns)
    {
        if (context.Recipients.Count == 0)
            return Result(false, "The message has no recipients.");
        string? problem = null;
        foreach (var recipient in context.Recipients)
        {
            var match = RuleTextMatcher.MatchesAnyPattern(recipient, patterns);
            if (match.Matched)
                return Result(true, $"The recipient {recipient} matches the pattern “{match.Value}”.");
            problem ??= match.TimedOutPattern is { } slow ? $"The pattern “{slow}” took longer than {TransportRuleService.PatternTimeout.TotalMilliseconds:0} ms."
                : match.InvalidPattern is { } bad ? $"The pattern “{bad}” is not a valid regular expression." : null;
        }
        return Result(false, $"No recipient ({AndList(context.Recipients)}) matches {OrList(patterns.Select(p => $"“{p}”"))}.", problem);
    }

    private (bool, string, string?) SentToOrCc(List<string> values)
    {
        var boxes = context.Message.To.Mailboxes.Select(m => (m.Address, Box: "To"))
            .Concat(context.Message.Cc.Mailboxes.Select(m => (m.Address, Box: "Cc"))).ToList();
        if (boxes.Count == 0)
            return Result(false, "The message's To and Cc boxes are empty.");
        foreach (var (address, box) in boxes)
            if (values.Contains(address, StringComparer.OrdinalIgnoreCase))
                return Result(true, $"The {box} box contains {address}.");
        return Result(false, $"The To and Cc boxes ({AndList(boxes.Select(b => b.Address))}) contain none of {OrList(values)}.");
    }

    private (bool, string, string?) MessageType(RulePredicateDefinition definition, List<string> values)
    {
        foreach (var type in values)
            if (MessageClassifier.Why(context.Message, RuleCatalog.MessageTypes.FirstOrDefault(t => string.Equals(t.Value, type, StringComparison.OrdinalIgnoreCase))?.Value ?? type) is { } why)
                return Result(true, $"The message is {definition.ChoiceLabel(type)}: {why}.");
        return Result(false, $"The message is not {OrList(values.Select(v => definition.ChoiceLabel(v)))}.");
    }

    private (bool, string, string?) ImportanceIs(RulePredicateDefinition definition, List<string> values)
    {
        var (importance, source) = MessageClassifier.Importance(context.Message);
        return values.Contains(importance, StringComparer.OrdinalIgnoreCase)
            ? Result(true, $"The importance is {definition.ChoiceLabel(importance)}: {source}.")
            : Result(false, $"The importance is {definition.ChoiceLabel(importance)} ({source}), not {OrList(values.Select(v => definition.ChoiceLabel(v)))}.");
    }

    private (bool, string, string?) CharsetIs(List<string> values)
    {
        var charsets = MessageClassifier.Charsets(context.Message);
        if (charsets.Count == 0)
            return Result(false, "The message names no character set (plain US-ASCII).");
        foreach (var charset in charsets)
            if (values.Any(v => MessageClassifier.NormalizeCharset(v) == MessageClassifier.NormalizeCharset(charset)))
                return Result(true, $"The message uses the character set {charset}.");
        return Result(false, $"The message uses {AndList(charsets)}, not {OrList(values)}.");
    }

    private static (bool, string, string?) Verdict(string method, string? result, RulePredicateDefinition definition, List<string> values)
    {
        if (result is null)
            return Result(false, $"The message has no {method} verdict: the sender authentication agent did not check it (turned off, or the message was submitted by an authenticated client).");
        return values.Contains(result, StringComparer.OrdinalIgnoreCase)
            ? Result(true, $"The sender authentication agent's {method} result is {result}.")
            : Result(false, $"The sender authentication agent's {method} result is {result}, not {OrList(values.Select(v => definition.ChoiceLabel(v)))}.");
    }

    // ---- Helpers ----

    /// <summary>Inside: an accepted domain, or a remote domain entry's trusted partner (<see cref="TransportConfig.IsInsideOrganization"/>).</summary>
    private string ScopeOf(string address) =>
        config.IsInsideOrganization(MailAddressParts.DomainOf(address)) ? "InOrganization" : "NotInOrganization";

    private string DescribeScope(string address) =>
        ScopeOf(address) == "InOrganization"
            ? config.FindAcceptedDomain(MailAddressParts.DomainOf(address)) is not null
                ? "inside the organization (its domain is an accepted domain)"
                : $"inside the organization (its domain is a trusted partner: remote domain entry '{config.RemoteDomainSettings.Find(MailAddressParts.DomainOf(address)).Name}')"
            : "outside the organization (its domain is not an accepted domain)";

    /// <summary>The listed domain that <paramref name="domain"/> is or is a subdomain of (Exchange's "domain is" matches subdomains too).</summary>
    private static string? MatchingDomain(string domain, IEnumerable<string> values) =>
        values.Select(v => v.TrimEnd('.').ToLowerInvariant())
            .FirstOrDefault(v => v.Length > 0 && (domain == v || domain.EndsWith("." + v, StringComparison.Ordinal)));

    private static bool TryMinimum(List<string> values, out long limit)
    {
        var sizes = values.Select(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1).Where(n => n >= 0).ToList();
        limit = sizes.Count == 0 ? 0 : sizes.Min();
        return sizes.Count > 0;
    }

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };

    internal static string Quote(string text)
    {
        const int Max = 80;
        var oneLine = text.ReplaceLineEndings(" ");
        return $"“{(oneLine.Length <= Max ? oneLine : oneLine[..Max] + "…")}”";
    }

    internal static string OrList(IEnumerable<string> items) => JoinList(items, "or");

    internal static string AndList(IEnumerable<string> items) => JoinList(items, "and");

    private static string JoinList(IEnumerable<string> items, string conjunction)
    {
        const int Shown = 5;
        var list = items.ToList();
        if (list.Count == 0)
            return "(nothing)";
        if (list.Count > Shown)
            return string.Join(", ", list.Take(Shown)) + $" {conjunction} {list.Count - Shown} more";
        return list.Count == 1 ? list[0] : string.Join(", ", list.Take(list.Count - 1)) + $" {conjunction} " + list[^1];
    }
}
