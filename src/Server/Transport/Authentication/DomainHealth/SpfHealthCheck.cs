using System.Net.Sockets;
using Mailflow.DomainHealth;
using Mailflow.Server.Transport.Authentication.Spf;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// SPF (RFC 7208): exactly one valid record, its whole include tree within 10 DNS lookups and 2 void
/// lookups, a closing "all" that is not "+all", and our own sending addresses passing it — checked by
/// the same <see cref="SpfEvaluator"/> that judges inbound mail, as <c>postmaster@domain</c>.
/// </summary>
public sealed class SpfHealthCheck(DomainHealthDns dns, SpfEvaluator evaluator)
{
    public const string RecordId = "spf";
    public const string LookupsId = "spf-lookups";
    public const string SendersId = "spf-senders";
    private const string Area = "SPF";

    public async Task<IReadOnlyList<DomainHealthCheck>> CheckAsync(string domain, IReadOnlyList<SendingIdentity> senders, CancellationToken cancellationToken)
    {
        var suggested = Suggested(senders);
        var txt = await dns.Dns.TxtAsync(domain, cancellationToken);
        if (txt.Failed)
            return [new(RecordId, Area, "SPF record could not be read", DomainHealthStatus.Warn, $"DNS did not answer for the TXT records of {domain} ({txt.Error}); the next check tries again.")];
        var records = txt.Records.Where(SpfRecord.IsSpfRecord).ToArray();
        if (records.Length == 0)
            return [new(RecordId, Area, "No SPF record", DomainHealthStatus.Fail,
                $"{domain} publishes no SPF record: receivers cannot tell your servers from forgers, and Gmail, Yahoo and Microsoft junk or refuse mail without SPF or DKIM. Publish one that lists your sending addresses.",
                null, domain, "TXT", suggested)];
        if (records.Length > 1)
            return [new(RecordId, Area, "Several SPF records", DomainHealthStatus.Fail,
                $"{domain} publishes {records.Length} SPF records; receivers answer permerror (RFC 7208 §4.5), as if there were none. Merge them into one.",
                string.Join("\n", records), domain, "TXT", suggested)];
        SpfRecord record;
        try
        {
            record = SpfRecord.Parse(records[0]);
        }
        catch (FormatException exception)
        {
            return [new(RecordId, Area, "Invalid SPF record", DomainHealthStatus.Fail,
                $"The SPF record of {domain} is invalid ({exception.Message}); receivers answer permerror.", records[0], domain, "TXT", suggested)];
        }

        var checks = new List<DomainHealthCheck> { RecordCheck(domain, record, records[0], senders) };
        checks.Add(await LookupsCheckAsync(domain, record, records[0], cancellationToken));
        if (senders.Count > 0)
            checks.Add(await SendersCheckAsync(domain, record, records[0], senders, cancellationToken));
        return checks;
    }

    private static DomainHealthCheck RecordCheck(string domain, SpfRecord record, string text, IReadOnlyList<SendingIdentity> senders)
    {
        var all = record.Mechanisms.LastOrDefault(m => m.Kind == SpfMechanismKind.All);
        if (all?.Qualifier == SpfResult.Pass)
            return new(RecordId, Area, "SPF record allows everyone (+all)", DomainHealthStatus.Fail,
                $"The SPF record of {domain} ends in \"+all\": every server on the Internet passes SPF as {domain}. End it with \"~all\" or \"-all\".",
                text, domain, "TXT", ReplaceAll(text, "~all"));
        if (all is null && record.Redirect is null)
            return new(RecordId, Area, "SPF record has no \"all\"", DomainHealthStatus.Warn,
                $"The SPF record of {domain} does not end in \"~all\" or \"-all\", so servers it does not list get neutral, not fail: forgers are not told apart.",
                text, domain, "TXT", text.TrimEnd() + " ~all");
        if (all?.Qualifier == SpfResult.Neutral)
            return new(RecordId, Area, "SPF record ends in ?all", DomainHealthStatus.Warn,
                $"The SPF record of {domain} ends in \"?all\": servers it does not list get neutral, which protects nothing. End it with \"~all\" or \"-all\".",
                text, domain, "TXT", ReplaceAll(text, "~all"));
        return new(RecordId, Area, "SPF record", DomainHealthStatus.Ok, $"{domain} publishes one valid SPF record.", text);
    }

    private async Task<DomainHealthCheck> LookupsCheckAsync(string domain, SpfRecord record, string text, CancellationToken cancellationToken)
    {
        var count = await new SpfLookupCounter(dns.Dns).CountAsync(domain, record, cancellationToken);
        var tree = count.Tree.Count == 0 ? text : text + "\n" + string.Join("\n", count.Tree);
        var problems = count.Problems.Count == 0 ? "" : " " + string.Join(" ", count.Problems);
        if (count.Lookups > SpfEvaluator.MaxDnsLookups)
            return new(LookupsId, Area, $"SPF needs {count.Lookups} DNS lookups (limit {SpfEvaluator.MaxDnsLookups})", DomainHealthStatus.Fail,
                $"Evaluating the SPF record of {domain} takes {count.Lookups} DNS lookups; receivers stop at {SpfEvaluator.MaxDnsLookups} and answer permerror (RFC 7208 §4.6.4), "
                + "so mail from the services listed last fails SPF. Replace includes by the ip4:/ip6: ranges they stand for, or remove services you no longer use." + problems,
                tree);
        if (count.VoidLookups > SpfEvaluator.MaxVoidLookups)
            return new(LookupsId, Area, $"SPF has {count.VoidLookups} lookups that find nothing (limit {SpfEvaluator.MaxVoidLookups})", DomainHealthStatus.Fail,
                $"{count.VoidLookups} DNS lookups of the SPF record of {domain} find nothing; receivers stop after {SpfEvaluator.MaxVoidLookups} and answer permerror (RFC 7208 §4.6.4)." + problems, tree);
        if (count.Problems.Count > 0)
            return new(LookupsId, Area, $"SPF lookups: {count.Lookups} of {SpfEvaluator.MaxDnsLookups}, with problems", DomainHealthStatus.Warn, problems.Trim(), tree);
        return new(LookupsId, Area, $"SPF lookups: {count.Lookups} of {SpfEvaluator.MaxDnsLookups}", count.Lookups >= SpfEvaluator.MaxDnsLookups - 1 ? DomainHealthStatus.Warn : DomainHealthStatus.Ok,
            count.Lookups >= SpfEvaluator.MaxDnsLookups - 1
                ? $"The SPF record of {domain} takes {count.Lookups} DNS lookups, close to the limit of {SpfEvaluator.MaxDnsLookups}: one more include breaks it."
                : $"The SPF record of {domain} takes {count.Lookups} DNS lookup{(count.Lookups == 1 ? "" : "s")} with every include followed (the limit is {SpfEvaluator.MaxDnsLookups}).",
            tree);
    }

    private async Task<DomainHealthCheck> SendersCheckAsync(string domain, SpfRecord record, string text, IReadOnlyList<SendingIdentity> senders, CancellationToken cancellationToken)
    {
        var failing = new List<(SendingIdentity Sender, SpfOutcome Outcome)>();
        var passing = new List<SendingIdentity>();
        foreach (var sender in senders)
        {
            var outcome = await evaluator.CheckMailFromAsync(sender.Address, sender.HeloName, "postmaster@" + domain, cancellationToken);
            if (outcome.Result == SpfResult.Pass)
                passing.Add(sender);
            else
                failing.Add((sender, outcome));
        }
        var found = string.Join("\n", senders.Select(s => $"{s.Address} ({s.HeloName}, {s.Source}): "
            + (passing.Contains(s) ? "pass" : failing.First(f => f.Sender == s).Outcome.ResultText)));
        if (failing.Count == 0)
            return new(SendersId, Area, "Our sending addresses pass SPF", DomainHealthStatus.Ok,
                $"Mail from {string.Join(", ", senders.Select(s => s.Address))} as {domain} passes SPF.", found);
        if (failing.All(f => f.Outcome.Result == SpfResult.TempError))
            return new(SendersId, Area, "SPF of our sending addresses could not be checked", DomainHealthStatus.Warn,
                $"DNS did not answer while evaluating SPF ({failing[0].Outcome.Reason}); the next check tries again.", found);
        var missing = failing.Where(f => f.Outcome.Result != SpfResult.TempError).Select(f => f.Sender).ToList();
        var fix = record.Mechanisms.Count == 0 && record.Redirect is not null ? null : AddAddresses(text, missing);
        return new(SendersId, Area, "Our sending addresses do not pass SPF", DomainHealthStatus.Fail,
            $"Mail that Mailflow sends as {domain} from {string.Join(", ", missing.Select(s => s.Address))} gets SPF "
            + $"{string.Join(", ", failing.Select(f => f.Outcome.ResultText).Distinct())} ({failing[0].Outcome.Reason.TrimEnd('.')}). Add the address{(missing.Count == 1 ? "" : "es")} at the front of the record.",
            found, fix is null ? null : domain, fix is null ? null : "TXT", fix);
    }

    /// <summary>An SPF record for a domain without one: our sending addresses, then "~all" (softfail: a forgotten sender is marked, not refused).</summary>
    internal static string Suggested(IReadOnlyList<SendingIdentity> senders) =>
        senders.Count == 0 ? "v=spf1 mx ~all" : "v=spf1 " + string.Join(" ", senders.Select(s => Mechanism(s))) + " ~all";

    private static string Mechanism(SendingIdentity sender) =>
        (sender.Address.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6:" : "ip4:") + sender.Address;

    /// <summary>
    /// The record with the addresses added right after "v=spf1": an ip4:/ip6: term costs no lookup, and
    /// first in the record it matches before any include, so our mail passes even when the rest of the
    /// record is over the lookup limit.
    /// </summary>
    internal static string AddAddresses(string text, IReadOnlyList<SendingIdentity> senders)
    {
        var terms = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var added = senders.Select(Mechanism).Where(m => !terms.Contains(m, StringComparer.OrdinalIgnoreCase)).Distinct();
        terms.InsertRange(1, added);
        return string.Join(" ", terms);
    }

    private static string ReplaceAll(string text, string replacement) =>
        string.Join(" ", text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.TrimStart('+', '-', '~', '?').Equals("all", StringComparison.OrdinalIgnoreCase) ? replacement : t));
}
