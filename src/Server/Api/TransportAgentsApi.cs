using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>
/// /api/v1/transport-agents: the checks every message passes (Exchange's Get-/Set-TransportAgent). An
/// agent is named by its stable name; PUT replaces its settings (If-Match: the revision read, "0" for
/// an agent without settings), DELETE returns it to its defaults.
/// </summary>
public static class TransportAgentsApi
{
    /// <summary>What PUT takes. Connectors are named as admins call them.</summary>
    public sealed record TransportAgentSettingsInput(
        bool Enabled = true,
        int? Priority = null,
        int? TimeoutMilliseconds = null,
        AgentFailurePolicy? FailurePolicy = null,
        IReadOnlyList<string>? DisabledOnConnectors = null);

    public static RouteGroupBuilder MapTransportAgentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/transport-agents").WithTags("Transport agents");

        group.MapGet("/", (TransportAgentService agents, CancellationToken ct) => agents.ListAsync(ct))
            .WithName("ListTransportAgents").WithSummary("List transport agents in pipeline order, with the settings in force");

        group.MapGet("/{name}", async Task<IResult> (string name, HttpContext http, TransportAgentService agents, CancellationToken ct) =>
                await agents.GetAsync(name, ct) is { } agent
                    ? TypedResults.Ok(http.WithETag(agent, agent.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", $"There is no transport agent named “{name}”."))
            .WithName("GetTransportAgent").WithSummary("Get one transport agent (ETag = revision of its settings, 0 for defaults)")
            .Produces<TransportAgentView>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{name}", async (string name, TransportAgentSettingsInput input, HttpContext http, ClaimsPrincipal user,
                TransportAgentService agents, ReceiveConnectorService connectors, CancellationToken ct) =>
            {
                var stored = await agents.GetAsync(name, ct) ?? throw new ConfigurationNotFoundException($"There is no transport agent named “{name}”.");
                var revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var all = await connectors.ListAsync(ct);
                var disabledOn = new List<Guid>();
                foreach (var connectorName in input.DisabledOnConnectors ?? [])
                {
                    var connector = all.FirstOrDefault(c => string.Equals(c.Name, connectorName.Trim(), StringComparison.OrdinalIgnoreCase))
                        ?? throw new ConfigurationValidationException(new Dictionary<string, string[]>
                        {
                            [nameof(TransportAgentSettingsInput.DisabledOnConnectors)] = [$"There is no receive connector named “{connectorName}”."],
                        });
                    disabledOn.Add(connector.Id);
                }
                var saved = await agents.SaveAsync(AdminActor.FromPrincipal(user), new TransportAgentSetting
                {
                    AgentName = stored.Agent.Name,
                    Enabled = input.Enabled,
                    Priority = input.Priority,
                    TimeoutMilliseconds = input.TimeoutMilliseconds,
                    FailurePolicy = input.FailurePolicy,
                    DisabledOnConnectors = disabledOn,
                    Revision = revision,
                }, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("SetTransportAgent").WithSummary("Set a transport agent's settings (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapDelete("/{name}", async (string name, HttpContext http, ClaimsPrincipal user, TransportAgentService agents, CancellationToken ct) =>
            {
                var stored = await agents.GetAsync(name, ct) ?? throw new ConfigurationNotFoundException($"There is no transport agent named “{name}”.");
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await agents.ResetAsync(AdminActor.FromPrincipal(user), stored.Agent.Name, ct);
                return TypedResults.NoContent();
            })
            .WithName("ResetTransportAgent").WithSummary("Return a transport agent to its default settings (If-Match required)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        return api;
    }
}
