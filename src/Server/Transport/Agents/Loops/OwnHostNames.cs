using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Agents.Loops;

/// <summary>
/// The names this node writes into the <c>by</c> clause of its Received fields and announces in its
/// banner: the node's FQDN and every receive connector's own FQDN. A Received field by one of them
/// is a local hop; a smart host or MX with one of them (on a port we listen on) is a route back to us.
/// Built once per configuration snapshot.
/// </summary>
public sealed class OwnHostNames
{
    private static readonly ConditionalWeakTable<TransportConfig, OwnHostNames> PerSnapshot = [];
    private readonly FrozenSet<string> _names;

    private OwnHostNames(IEnumerable<string> names) =>
        _names = names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim().TrimEnd('.')).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Names => _names.Order(StringComparer.OrdinalIgnoreCase);

    public bool Contains(string name) => _names.Contains(name.Trim().TrimEnd('.'));

    public static OwnHostNames For(TransportConfig snapshot, string nodeFqdn)
    {
        var names = PerSnapshot.GetValue(snapshot, s => new OwnHostNames([nodeFqdn, .. s.ReceiveConnectors.Select(c => c.Fqdn)]));
        // The node's name comes from its options, not the snapshot: a snapshot shared by differently named hosts (tests) gets its own set.
        return names.Contains(nodeFqdn) ? names : new OwnHostNames([nodeFqdn, .. snapshot.ReceiveConnectors.Select(c => c.Fqdn)]);
    }
}
