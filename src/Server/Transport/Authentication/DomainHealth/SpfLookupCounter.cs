using Mailflow.Server.Transport.Authentication.Spf;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>What a domain's whole SPF record tree costs a receiver, whatever address it checks.</summary>
/// <param name="Lookups">DNS lookups counted against the limit of 10 (include, a, mx, ptr, exists, redirect; RFC 7208 §4.6.4).</param>
/// <param name="VoidLookups">Of those, lookups that find nothing (the limit is 2).</param>
/// <param name="Problems">Includes or redirects without a usable record, and mechanisms that use ptr (RFC 7208 §5.5: "SHOULD NOT be used").</param>
/// <param name="Tree">Each include and redirect with the lookups it costs, for the admin to see where they go.</param>
public sealed record SpfLookupCount(int Lookups, int VoidLookups, IReadOnlyList<string> Problems, IReadOnlyList<string> Tree);

/// <summary>
/// Counts the DNS lookups of a domain's SPF record with every include and redirect followed, as a
/// receiver checking an address that matches nothing would (the worst case): the evaluator stops at
/// the first match, so a record over the limit can pass for our own address and fail for a service
/// listed last. Macros cannot be expanded without a message: a term with a macro counts once and is
/// not followed. Parses with <see cref="SpfRecord"/> and asks <see cref="AuthenticationDns"/>.
/// </summary>
public sealed class SpfLookupCounter(AuthenticationDns dns)
{
    /// <summary>Counting stops here: a loop of includes or a very large tree is over the limit anyway.</summary>
    private const int Ceiling = 50;

    public async Task<SpfLookupCount> CountAsync(string domain, SpfRecord record, CancellationToken cancellationToken)
    {
        var walk = new Walk();
        await CountRecordAsync(walk, DomainName.Normalize(domain), record, depth: 0, cancellationToken);
        return new SpfLookupCount(walk.Lookups, walk.VoidLookups, walk.Problems, walk.Tree);
    }

    private sealed class Walk
    {
        public int Lookups;
        public int VoidLookups;
        public readonly List<string> Problems = [];
        public readonly List<string> Tree = [];
        public readonly HashSet<string> Visiting = new(StringComparer.Ordinal);
    }

    private async Task CountRecordAsync(Walk walk, string domain, SpfRecord record, int depth, CancellationToken cancellationToken)
    {
        walk.Visiting.Add(domain);
        foreach (var mechanism in record.Mechanisms)
        {
            if (walk.Lookups >= Ceiling)
                return;
            if (!mechanism.CountsAsLookup)
                continue;
            walk.Lookups++;
            var target = mechanism.DomainSpec ?? domain;
            var hasMacro = target.Contains('%', StringComparison.Ordinal);
            switch (mechanism.Kind)
            {
                case SpfMechanismKind.Include when !hasMacro:
                    await FollowAsync(walk, domain, "include:" + target, target, depth, cancellationToken);
                    break;
                case SpfMechanismKind.A when !hasMacro:
                    if ((await dns.AddressesAsync(target, ipv6: false, cancellationToken)).IsVoid
                        && (await dns.AddressesAsync(target, ipv6: true, cancellationToken)).IsVoid)
                    {
                        walk.VoidLookups++;
                        walk.Problems.Add($"\"a{(mechanism.DomainSpec is null ? "" : ":" + target)}\" in the record of {domain}: {target} has no address.");
                    }
                    break;
                case SpfMechanismKind.Mx when !hasMacro:
                    var mx = await dns.MxAsync(target, cancellationToken);
                    if (mx.IsVoid)
                    {
                        walk.VoidLookups++;
                        walk.Problems.Add($"\"mx{(mechanism.DomainSpec is null ? "" : ":" + target)}\" in the record of {domain}: {target} has no MX record.");
                    }
                    else if (mx.Records.Count > 10)
                        walk.Problems.Add($"{target} has {mx.Records.Count} MX records; SPF looks at 10 at most (RFC 7208 §4.6.4).");
                    break;
                case SpfMechanismKind.Ptr:
                    walk.Problems.Add($"The record of {domain} uses \"ptr\", which is slow and unreliable; receivers may ignore it (RFC 7208 §5.5). Use ip4:/ip6: or include: instead.");
                    break;
            }
        }
        if (record.Redirect is { } redirect && walk.Lookups < Ceiling)
        {
            walk.Lookups++;
            if (!redirect.Contains('%', StringComparison.Ordinal))
                await FollowAsync(walk, domain, "redirect=" + redirect, redirect, depth, cancellationToken);
        }
        walk.Visiting.Remove(domain);
    }

    private async Task FollowAsync(Walk walk, string from, string term, string target, int depth, CancellationToken cancellationToken)
    {
        target = DomainName.Normalize(target);
        if (walk.Visiting.Contains(target) || depth >= 10)
        {
            walk.Problems.Add($"\"{term}\" in the record of {from} loops back to {target}; receivers give up (permerror).");
            walk.Lookups = Math.Max(walk.Lookups, SpfEvaluator.MaxDnsLookups + 1);
            return;
        }
        var txt = await dns.TxtAsync(target, cancellationToken);
        var records = txt.Records.Where(SpfRecord.IsSpfRecord).ToArray();
        if (txt.Failed)
        {
            walk.Problems.Add($"\"{term}\": DNS did not answer for {target} ({txt.Error}).");
            return;
        }
        if (records.Length != 1)
        {
            if (txt.IsVoid)
                walk.VoidLookups++;
            walk.Problems.Add(records.Length == 0
                ? $"\"{term}\" in the record of {from}: {target} publishes no SPF record (receivers answer permerror)."
                : $"\"{term}\" in the record of {from}: {target} publishes {records.Length} SPF records (receivers answer permerror).");
            return;
        }
        SpfRecord included;
        try
        {
            included = SpfRecord.Parse(records[0]);
        }
        catch (FormatException exception)
        {
            walk.Problems.Add($"\"{term}\" in the record of {from}: the SPF record of {target} is invalid ({exception.Message}).");
            return;
        }
        var before = walk.Lookups;
        var entry = walk.Tree.Count;
        walk.Tree.Add("");
        await CountRecordAsync(walk, target, included, depth + 1, cancellationToken);
        walk.Tree[entry] = $"{new string(' ', depth * 2)}{term}: {walk.Lookups - before + 1} lookup{(walk.Lookups - before + 1 == 1 ? "" : "s")}";
    }
}
