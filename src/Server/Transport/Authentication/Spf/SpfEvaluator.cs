using System.Net;
using System.Net.Sockets;

namespace Mailflow.Server.Transport.Authentication.Spf;

/// <summary>
/// check_host() of RFC 7208 for the MAIL FROM and HELO identities. Implementation summary:
/// <list type="bullet">
/// <item>The record is found among the TXT records of the domain (exactly one "v=spf1" record, else
///   none or permerror) and parsed whole before it is evaluated (§4.5, §4.6).</item>
/// <item>Mechanisms are tried left to right; the first match gives its qualifier. No match: the
///   redirect= target's result, else neutral (§4.7, §6.1).</item>
/// <item>include, a, mx, ptr, exists and redirect cost one lookup each; more than 10 is permerror,
///   as are more than 2 lookups that find nothing (§4.6.4). An mx over 10 names is permerror; ptr
///   looks at 10 names at most.</item>
/// <item>Any DNS failure (SERVFAIL, timeout) in the evaluation is temperror (§2.6.6), the whole
///   check is bounded by 20 seconds.</item>
/// <item>On fail the domain's exp= text is fetched and expanded, from the record that gave the
///   result (never from an included record, §6.2).</item>
/// </list>
/// </summary>
public sealed class SpfEvaluator(AuthenticationDns dns, TimeProvider time, string receivingHost)
{
    public const int MaxDnsLookups = 10;
    public const int MaxVoidLookups = 2;
    private const int MaxNamesPerMechanism = 10;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(20);

    /// <summary>The MAIL FROM identity; the null sender (empty) checks <c>postmaster@&lt;helo&gt;</c> (§2.4).</summary>
    public Task<SpfOutcome> CheckMailFromAsync(IPAddress ip, string helo, string sender, CancellationToken cancellationToken)
    {
        helo = (helo ?? "").Trim();
        sender = (sender ?? "").Trim().Trim('<', '>');
        if (sender.Length == 0)
            sender = "postmaster@" + helo;
        else if (sender.StartsWith('@'))
            sender = "postmaster" + sender;
        else if (!sender.Contains('@'))
            sender = "postmaster@" + sender;
        return CheckAsync(SpfIdentity.MailFrom, ip, helo, sender, cancellationToken);
    }

    /// <summary>The HELO identity: the HELO name checked as <c>postmaster@&lt;helo&gt;</c> (§2.3).</summary>
    public Task<SpfOutcome> CheckHeloAsync(IPAddress ip, string helo, CancellationToken cancellationToken)
    {
        helo = (helo ?? "").Trim();
        return CheckAsync(SpfIdentity.Helo, ip, helo, "postmaster@" + helo, cancellationToken);
    }

    private async Task<SpfOutcome> CheckAsync(SpfIdentity identity, IPAddress ip, string helo, string sender, CancellationToken cancellationToken)
    {
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        var domain = DomainName.Normalize(sender[(sender.LastIndexOf('@') + 1)..]);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeLimit);
        var evaluation = new Evaluation(ip, helo, sender, new SpfMacroContext(sender, domain, ip, helo, receivingHost, time.GetUtcNow()), limit.Token);
        try
        {
            var step = await CheckHostAsync(evaluation, domain, inInclude: false);
            return new SpfOutcome(step.Result, identity, domain, sender, step.Reason, step.Explanation, evaluation.Lookups);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SpfOutcome(SpfResult.TempError, identity, domain, sender, $"The SPF evaluation took longer than {TimeLimit.TotalSeconds:0} seconds.", null, evaluation.Lookups);
        }
    }

    private sealed class Evaluation(IPAddress ip, string helo, string sender, SpfMacroContext macros, CancellationToken cancellationToken)
    {
        public IPAddress Ip { get; } = ip;
        public string Helo { get; } = helo;
        public string Sender { get; } = sender;
        public SpfMacroContext Macros { get; } = macros;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public int Lookups { get; set; }
        public int VoidLookups { get; set; }
        public bool IsIpv6 => Ip.AddressFamily == AddressFamily.InterNetworkV6;
    }

    private sealed record Step(SpfResult Result, string Reason, string? Explanation = null);

    /// <summary>Whether a mechanism matched; or an error that ends the evaluation.</summary>
    private sealed record Match(bool Matched, SpfResult? Error = null, string? Reason = null)
    {
        public static readonly Match Yes = new(true);
        public static readonly Match No = new(false);
        public static Match Temp(string reason) => new(false, SpfResult.TempError, reason);
        public static Match Perm(string reason) => new(false, SpfResult.PermError, reason);
    }

    private async Task<Step> CheckHostAsync(Evaluation e, string domain, bool inInclude)
    {
        domain = DomainName.Normalize(domain);
        if (!DomainName.IsValid(domain))
            return new(SpfResult.None, $"\"{domain}\" is not a valid domain name, so it has no SPF record.");
        var txt = await dns.TxtAsync(domain, e.CancellationToken);
        if (txt.Failed)
            return new(SpfResult.TempError, $"The DNS lookup of the SPF record of {domain} failed ({txt.Error}).");
        var records = txt.Records.Where(SpfRecord.IsSpfRecord).ToArray();
        if (records.Length == 0)
            return new(SpfResult.None, $"{domain} publishes no SPF record.");
        if (records.Length > 1)
            return new(SpfResult.PermError, $"{domain} publishes {records.Length} SPF records; there must be exactly one.");
        SpfRecord record;
        try
        {
            record = SpfRecord.Parse(records[0]);
        }
        catch (FormatException exception)
        {
            return new(SpfResult.PermError, $"The SPF record of {domain} is invalid: {exception.Message}");
        }

        foreach (var mechanism in record.Mechanisms)
        {
            if (mechanism.CountsAsLookup && ++e.Lookups > MaxDnsLookups)
                return new(SpfResult.PermError, $"The SPF evaluation needs more than {MaxDnsLookups} DNS lookups (RFC 7208 §4.6.4).");
            var match = await MatchAsync(e, domain, mechanism);
            if (match.Error is { } error)
                return new(error, match.Reason!);
            if (!match.Matched)
                continue;
            var reason = $"{domain}: \"{Describe(mechanism)}\" matched {e.Ip}.";
            if (mechanism.Qualifier == SpfResult.Fail && !inInclude && record.Explanation is not null)
                return new(SpfResult.Fail, reason, await ExplainAsync(e, domain, record.Explanation));
            return new(mechanism.Qualifier, reason);
        }

        if (record.Redirect is not null)
        {
            if (++e.Lookups > MaxDnsLookups)
                return new(SpfResult.PermError, $"The SPF evaluation needs more than {MaxDnsLookups} DNS lookups (RFC 7208 §4.6.4).");
            var target = await ExpandDomainAsync(e, domain, record.Redirect);
            var redirected = await CheckHostAsync(e, target, inInclude);
            if (redirected.Result == SpfResult.None)
            {
                CountVoid(e);
                return new(SpfResult.PermError, $"{domain} redirects to {target}, which has no SPF record.");
            }
            return redirected;
        }
        return new(SpfResult.Neutral, $"{domain}: no mechanism matched {e.Ip} (default neutral).");
    }

    private async Task<Match> MatchAsync(Evaluation e, string domain, SpfMechanism mechanism)
    {
        switch (mechanism.Kind)
        {
            case SpfMechanismKind.All:
                return Match.Yes;
            case SpfMechanismKind.Ip4:
            case SpfMechanismKind.Ip6:
                return mechanism.Network!.AddressFamily == e.Ip.AddressFamily && InPrefix(e.Ip, mechanism.Network, mechanism.Cidr4) ? Match.Yes : Match.No;
            case SpfMechanismKind.Include:
            {
                var target = await ExpandDomainAsync(e, domain, mechanism.DomainSpec!);
                var included = await CheckHostAsync(e, target, inInclude: true);
                return included.Result switch
                {
                    SpfResult.Pass => Match.Yes,
                    SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => Match.No,
                    SpfResult.TempError => Match.Temp(included.Reason),
                    SpfResult.None => Match.Perm($"{domain} includes {target}, which has no SPF record ({included.Reason})"),
                    _ => Match.Perm(included.Reason),
                };
            }
            case SpfMechanismKind.A:
            {
                var target = mechanism.DomainSpec is null ? domain : await ExpandDomainAsync(e, domain, mechanism.DomainSpec);
                return await AddressMatchAsync(e, target, mechanism, countVoid: true);
            }
            case SpfMechanismKind.Mx:
            {
                var target = mechanism.DomainSpec is null ? domain : await ExpandDomainAsync(e, domain, mechanism.DomainSpec);
                var mx = await dns.MxAsync(target, e.CancellationToken);
                if (mx.Failed)
                    return Match.Temp($"The DNS lookup of the MX records of {target} failed ({mx.Error}).");
                if (mx.IsVoid)
                    return CountVoid(e) ? Match.Perm(TooManyVoid) : Match.No;
                var exchanges = mx.Records.Where(x => x.Length > 0).ToArray();
                if (exchanges.Length > MaxNamesPerMechanism)
                    return Match.Perm($"{target} has more than {MaxNamesPerMechanism} MX records (RFC 7208 §4.6.4).");
                foreach (var exchange in exchanges)
                {
                    var match = await AddressMatchAsync(e, exchange, mechanism, countVoid: false);
                    if (match.Matched || match.Error is not null)
                        return match;
                }
                return Match.No;
            }
            case SpfMechanismKind.Ptr:
            {
                var target = mechanism.DomainSpec is null ? domain : await ExpandDomainAsync(e, domain, mechanism.DomainSpec);
                var names = await ValidatedNamesAsync(e);
                return names.Any(n => DomainName.IsSameOrSubdomain(n, target)) ? Match.Yes : Match.No;
            }
            case SpfMechanismKind.Exists:
            {
                var target = await ExpandDomainAsync(e, domain, mechanism.DomainSpec!);
                // exists always asks for A records, whatever the client's address family (§5.7).
                var lookup = await dns.AddressesAsync(target, ipv6: false, e.CancellationToken);
                if (lookup.Failed)
                    return Match.Temp($"The DNS lookup of {target} failed ({lookup.Error}).");
                if (lookup.IsVoid)
                    return CountVoid(e) ? Match.Perm(TooManyVoid) : Match.No;
                return Match.Yes;
            }
            default:
                return Match.Perm($"Unknown mechanism {mechanism.Kind}.");
        }
    }

    private const string TooManyVoid = "More than 2 DNS lookups of the SPF evaluation found nothing (RFC 7208 §4.6.4).";

    private static bool CountVoid(Evaluation e) => ++e.VoidLookups > MaxVoidLookups;

    private async Task<Match> AddressMatchAsync(Evaluation e, string name, SpfMechanism mechanism, bool countVoid)
    {
        var lookup = await dns.AddressesAsync(name, e.IsIpv6, e.CancellationToken);
        if (lookup.Failed)
            return Match.Temp($"The DNS lookup of the addresses of {name} failed ({lookup.Error}).");
        if (lookup.IsVoid)
            return countVoid && CountVoid(e) ? Match.Perm(TooManyVoid) : Match.No;
        var prefix = e.IsIpv6 ? mechanism.Cidr6 : mechanism.Cidr4;
        return lookup.Records.Any(a => InPrefix(e.Ip, a, prefix)) ? Match.Yes : Match.No;
    }

    /// <summary>The client's PTR names whose addresses include the client (§5.5), at most 10 looked at. A failed PTR lookup gives none.</summary>
    private async Task<IReadOnlyList<string>> ValidatedNamesAsync(Evaluation e)
    {
        var ptr = await dns.PtrAsync(e.Ip, e.CancellationToken);
        if (ptr.IsVoid)
            CountVoid(e);
        if (ptr.Status != DnsLookupStatus.Found)
            return [];
        var validated = new List<string>();
        foreach (var name in ptr.Records.Take(MaxNamesPerMechanism))
        {
            var addresses = await dns.AddressesAsync(name, e.IsIpv6, e.CancellationToken);
            if (addresses.Records.Any(a => a.Equals(e.Ip)))
                validated.Add(name);
        }
        return validated;
    }

    private async Task<string> ExpandDomainAsync(Evaluation e, string domain, string spec)
    {
        var context = e.Macros with { Domain = domain };
        if (SpfMacro.UsesValidatedName(spec))
        {
            var names = await ValidatedNamesAsync(e);
            context = context with { ValidatedName = names.FirstOrDefault(n => DomainName.IsSameOrSubdomain(n, domain)) ?? names.FirstOrDefault() };
        }
        return SpfMacro.TruncateDomain(SpfMacro.Expand(spec, context));
    }

    /// <summary>The exp= text (§6.2): one TXT record at the expanded name, its macros expanded; any problem gives no explanation.</summary>
    private async Task<string?> ExplainAsync(Evaluation e, string domain, string spec)
    {
        try
        {
            var target = await ExpandDomainAsync(e, domain, spec);
            if (!DomainName.IsValid(target))
                return null;
            var txt = await dns.TxtAsync(target, e.CancellationToken);
            if (txt.Status != DnsLookupStatus.Found || txt.Records.Count != 1)
                return null;
            var context = e.Macros with { Domain = domain };
            if (SpfMacro.UsesValidatedName(txt.Records[0]))
            {
                var names = await ValidatedNamesAsync(e);
                context = context with { ValidatedName = names.FirstOrDefault() };
            }
            return SpfMacro.Expand(txt.Records[0], context, explanation: true);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool InPrefix(IPAddress ip, IPAddress network, int prefix)
    {
        if (network.IsIPv4MappedToIPv6)
            network = network.MapToIPv4();
        if (ip.AddressFamily != network.AddressFamily)
            return false;
        var a = ip.GetAddressBytes();
        var b = network.GetAddressBytes();
        var fullBytes = prefix / 8;
        for (var i = 0; i < fullBytes; i++)
        {
            if (a[i] != b[i])
                return false;
        }
        var remaining = prefix % 8;
        if (remaining == 0)
            return true;
        var mask = (byte)(0xFF << (8 - remaining));
        return (a[fullBytes] & mask) == (b[fullBytes] & mask);
    }

    private static string Describe(SpfMechanism mechanism)
    {
        var qualifier = mechanism.Qualifier switch
        {
            SpfResult.Fail => "-",
            SpfResult.SoftFail => "~",
            SpfResult.Neutral => "?",
            _ => "",
        };
        var name = mechanism.Kind.ToString().ToLowerInvariant();
        var argument = mechanism.Kind switch
        {
            SpfMechanismKind.Ip4 or SpfMechanismKind.Ip6 => $":{mechanism.Network}/{mechanism.Cidr4}",
            _ => mechanism.DomainSpec is null ? "" : ":" + mechanism.DomainSpec,
        };
        return qualifier + name + argument;
    }
}
