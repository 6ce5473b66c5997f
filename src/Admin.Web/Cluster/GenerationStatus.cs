namespace Mailflow.Admin.Web.Cluster;

/// <summary>One live node and the configuration generation its engine runs.</summary>
public sealed record NodeGeneration(string Node, long ActiveGeneration);

/// <summary>
/// Which configuration generation is the newest and which live nodes run it: lets an admin see when a
/// saved change is in effect everywhere ("generation 42 active on node-a, node-b").
/// </summary>
public sealed record GenerationStatus(long LatestGeneration, IReadOnlyList<NodeGeneration> Nodes)
{
    public bool AllCurrent => Nodes.Count > 0 && Nodes.All(n => n.ActiveGeneration >= LatestGeneration);

    public string Summary
    {
        get
        {
            if (Nodes.Count == 0)
                return $"generation {LatestGeneration} saved; no node is reporting";
            var current = Nodes.Where(n => n.ActiveGeneration >= LatestGeneration).Select(n => n.Node).ToList();
            var behind = Nodes.Where(n => n.ActiveGeneration < LatestGeneration)
                .Select(n => $"{n.Node} still on {n.ActiveGeneration}")
                .ToList();
            var text = current.Count > 0
                ? $"generation {LatestGeneration} active on {string.Join(", ", current)}"
                : $"generation {LatestGeneration} not active yet";
            return behind.Count == 0 ? text : $"{text}; {string.Join(", ", behind)}";
        }
    }
}
