using System.Security.Claims;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/about, /api/v1/nodes and /api/v1/configuration/generations: what this node runs, which nodes share the store, which configuration generation each runs, and the history of generations.</summary>
public static class ClusterApi
{
    /// <param name="UpToDate">Whether the node runs the newest saved generation.</param>
    /// <param name="StartedAt">When the node's current process started.</param>
    /// <param name="FirstStartedAt">When the node first registered.</param>
    /// <param name="Restarts">How many times it was started again since.</param>
    /// <param name="DrainRequested">Whether an administrator asked it to drain (maintenance mode).</param>
    /// <param name="DrainState">Active, Draining or Drained, as the node last reported it.</param>
    public sealed record NodeResource(string Name, string Address, DateTimeOffset StartedAt, DateTimeOffset LastHeartbeat, long ActiveGeneration, long LatestGeneration, bool UpToDate,
        DateTimeOffset FirstStartedAt, int Restarts, bool DrainRequested, string DrainState);

    private static NodeResource ToResource(NodeStatus n, NodeStatusReport report) =>
        new(n.Name, n.Address, n.StartedAt, n.LastHeartbeat, n.ActiveGeneration, report.LatestGeneration, report.IsUpToDate(n),
            n.FirstStartedAt, n.Restarts, n.DrainRequested, n.DrainPhase.ToString());

    public const int MaximumPageSize = 500;

    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        api.MapGet("/about", (IOptions<MailflowOptions> options) => NodeAbout.For(options.Value))
            .WithTags("Nodes").WithName("About").WithSummary("This node's version, commit, .NET runtime, node name and start time")
            .Produces<NodeAbout>();

        api.MapGet("/nodes", async (NodeStatusQuery query, CancellationToken ct) =>
            {
                var report = await query.ReadAsync(ct);
                return report.Nodes.Select(n => ToResource(n, report)).ToList();
            })
            .WithTags("Nodes").WithName("ListNodes").WithSummary("List the nodes sharing this store, with the configuration generation each runs");

        api.MapPost("/nodes/{name}/drain", (string name, ClaimsPrincipal user, NodeDrainService drain, NodeStatusQuery query, CancellationToken ct) =>
                SetDrainAsync(name, () => drain.DrainAsync(AdminActor.FromPrincipal(user), name, ct), query, ct))
            .WithTags("Nodes").WithName("DrainNode")
            .WithSummary("Drain a node (maintenance mode, audited): it refuses new SMTP sessions with 421, claims no new work, finishes what is in flight, hands the rest to the other nodes, then reports Drained")
            .Produces<NodeResource>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);

        api.MapPost("/nodes/{name}/resume", (string name, ClaimsPrincipal user, NodeDrainService drain, NodeStatusQuery query, CancellationToken ct) =>
                SetDrainAsync(name, () => drain.ResumeAsync(AdminActor.FromPrincipal(user), name, ct), query, ct))
            .WithTags("Nodes").WithName("ResumeNode")
            .WithSummary("Take a node out of draining (audited): it accepts SMTP sessions and claims work again")
            .Produces<NodeResource>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);

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

    /// <summary>Stores the request and answers with the node as it stands (its phase follows within a second or so).</summary>
    private static async Task<IResult> SetDrainAsync(string name, Func<Task<bool>> change, NodeStatusQuery query, CancellationToken ct)
    {
        await change();
        var report = await query.ReadAsync(ct);
        return TypedResults.Ok(ToResource(report.Nodes.Single(n => n.Name == name), report));
    }
}
