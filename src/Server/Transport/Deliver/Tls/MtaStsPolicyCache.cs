using System.Collections.Concurrent;
using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Authentication.DomainHealth;

namespace Mailflow.Server.Transport.Deliver.Tls;

/// <summary>A recipient domain's MTA-STS policy as delivery sees it, or why there is none.</summary>
/// <param name="Policy">The policy in force (fresh or cached); null = none applies.</param>
/// <param name="Id">The id of the record the policy was fetched under.</param>
/// <param name="Problem">Why no (new) policy could be had: DNS, HTTPS fetch or parse trouble; null when none is published.</param>
/// <param name="ProblemKind">The TLS-RPT result type of the problem (RFC 8460 §4.3.2.1): <c>sts-policy-fetch-error</c> or <c>sts-policy-invalid</c>.</param>
public sealed record MtaStsLookup(string Domain, MtaStsPolicy? Policy, string? Id, bool FromCache, string? Problem = null, string? ProblemKind = null)
{
    public const string FetchError = "sts-policy-fetch-error";
    public const string PolicyInvalid = "sts-policy-invalid";

    /// <summary>One line for a log, the trace, "Test connector" and "Test mail flow".</summary>
    public string Describe() => Policy is { } policy
        ? $"MTA-STS policy of {Domain}: mode {policy.Mode.ToString().ToLowerInvariant()}, mx {string.Join(", ", policy.MxPatterns)}, max_age {policy.MaxAgeSeconds} s (id {Id}{(FromCache ? ", cached" : "")})"
            + (Problem is null ? "" : $"; {Problem}")
        : Problem is null ? $"{Domain} publishes no MTA-STS policy" : $"No MTA-STS policy for {Domain}: {Problem}";
}

/// <summary>
/// Outbound MTA-STS policy discovery (RFC 8461 §3, §5.1): the <c>_mta-sts</c> TXT record's id, then the
/// policy over HTTPS (<see cref="MtaStsPolicyFetcher"/>, strict certificate validation), cached per
/// domain for the policy's max_age. A record whose id equals the cached one means "unchanged"; a new id
/// fetches again. While a cached policy is unexpired it stays in force when the record disappears or the
/// fetch fails (§5.1: an attacker who blocks the fetch must not switch the policy off). Per node, in
/// memory: a restart fetches again, at the cost of one HTTPS request per domain.
/// </summary>
public sealed class MtaStsPolicyCache(AuthenticationDns dns, MtaStsPolicyFetcher fetcher, TimeProvider time, ILogger<MtaStsPolicyCache> logger)
{
    /// <summary>Bounded memory: at most this many domains' policies are kept (expired ones go first).</summary>
    public const int MaxDomains = 50_000;

    private sealed record Entry(string Id, MtaStsPolicy Policy, DateTimeOffset ExpiresAt);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="refresh">True to fetch the policy even when the id did not change (the admin's "Test connector").</param>
    public async Task<MtaStsLookup> GetAsync(string domain, bool refresh, CancellationToken cancellationToken)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        var now = time.GetUtcNow();
        var cached = _entries.TryGetValue(domain, out var entry) && entry.ExpiresAt > now ? entry : null;
        MtaStsLookup Cached(string? problem, string? kind) => cached is null
            ? new MtaStsLookup(domain, null, null, false, problem, kind)
            : new MtaStsLookup(domain, cached.Policy, cached.Id, true, problem is null ? null : problem + "; the cached policy stays in force until it expires", kind);

        var name = MtaStsRecord.NameFor(domain);
        var txt = await dns.TxtAsync(name, cancellationToken);
        if (txt.Failed)
            return Cached($"DNS did not answer for {name} ({txt.Error})", MtaStsLookup.FetchError);
        var candidates = MtaStsRecord.Candidates(txt.Records);
        var record = candidates.Length == 1 ? MtaStsRecord.TryParse(candidates[0]) : null;
        if (record is null)
            return candidates.Length == 0 ? Cached(null, null) : Cached($"{name} has {(candidates.Length > 1 ? "several STSv1 records" : "an STSv1 record without a valid id")}", MtaStsLookup.PolicyInvalid);
        if (cached is not null && cached.Id == record.Id && !refresh)
            return new MtaStsLookup(domain, cached.Policy, cached.Id, true);

        var (text, error) = await fetcher.FetchAsync(domain, cancellationToken);
        if (text is null)
        {
            DeliverLog.MtaStsFetchFailed(logger, domain, error ?? "");
            return Cached(error, MtaStsLookup.FetchError);
        }
        MtaStsPolicy policy;
        try
        {
            policy = MtaStsPolicy.Parse(text);
        }
        catch (FormatException exception)
        {
            DeliverLog.MtaStsFetchFailed(logger, domain, exception.Message);
            return Cached($"the policy at {MtaStsPolicyFetcher.PolicyUrl(domain)} is not valid: {exception.Message}", MtaStsLookup.PolicyInvalid);
        }
        Remember(domain, new Entry(record.Id, policy, now.AddSeconds(policy.MaxAgeSeconds)), now);
        return new MtaStsLookup(domain, policy, record.Id, false);
    }

    private void Remember(string domain, Entry entry, DateTimeOffset now)
    {
        if (_entries.Count >= MaxDomains && !_entries.ContainsKey(domain))
        {
            foreach (var (key, old) in _entries)
                if (old.ExpiresAt <= now)
                    _entries.TryRemove(key, out _);
            if (_entries.Count >= MaxDomains)
                return;
        }
        _entries[domain] = entry;
    }
}
