using Mailflow.Cluster;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/about, /api/v1/nodes and /api/v1/configuration/generations: what this node runs, which nodes share the store, which configuration generation each runs, and the history of generations.</summary>
public static class ClusterApi
{
    /// <param name="UpToDate">Whether the node runs the newest saved generation.</param>
    public sealed record NodeResource(string Name, string Address, DateTimeOffset StartedAt, DateTimeOffset LastHeartbeat, long ActiveGeneration, long LatestGeneration, bool UpToDate);

    public const int MaximumPageSize = 500;

    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        api.MapGet("/about", (IOptions<MailflowOptions> options) => NodeAbout.For(options.Value))
            .WithTags("Nodes").WithName("About").WithSummary("This node's version, commit, .NET runtime, node name and start time")
            .Produces<NodeAbout>();

        api.MapGet("/nodes", async (NodeStatusQuery query, CancellationToken ct) =>
            {
                var report = await query.ReadAsync(ct);
                return report.Nodes
                    .Select(n => new NodeResource(n.Name, n.Address, n.StartedAt, n.LastHeartbeat, n.ActiveGeneration, report.LatestGeneration, report.IsUpToDate(n)))
                    .ToList();
            })
            .WithTags("Nodes").WithName("ListNodes").WithSummary("List the nodes sharing this store, with the configuration generation each runs");

        api.MapGet("/configuration/generations", async (IDbContextFactory<MailflowDbContext> dbFactory, int? limit, long? before, CancellationToken ct) =>
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var query = db.ConfigurationGenerations.AsNoTracking();
                if (before is { } b)
                    query = query.Where(g => g.Number < b);
                return await query.OrderByDescending(g => g.Number).Take(Math.Clamp(limit ?? 50, 1, MaximumPageSize)).ToListAsync(ct);
            })
            .WithTags("Configuration").WithName("ListConfigurationGenerations")
            .WithSummary("Configuration generations, newest first (page with before = the last number you got)")
            .Produces<List<ConfigurationGeneration>>();

        return api;
    }
}
