using Mailflow.Tracking;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/protocol-log: SMTP receive sessions from the protocol log, and one session's transcript.</summary>
public static class ProtocolLogApi
{
    public static RouteGroupBuilder MapProtocolLogApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/protocol-log").WithTags("Protocol log");

        group.MapGet("/sessions", (IProtocolLogReader reader, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? clientIp, string? connector, int? take, CancellationToken ct) =>
            {
                var now = time.GetUtcNow();
                return reader.FindSessionsAsync(new ProtocolLogSearch
                {
                    From = from ?? now.AddHours(-1),
                    To = to ?? now,
                    ClientAddress = clientIp,
                    Connector = connector,
                    MaxSessions = take ?? 100,
                }, ct);
            })
            .WithName("FindProtocolLogSessions").WithSummary("Receive sessions, newest first. Filters: from/to (default: last hour), clientIp, connector; take (default 100)");

        group.MapGet("/sessions/{sessionId}", async Task<IResult> (string sessionId, DateTimeOffset? around, TimeProvider time, IProtocolLogReader reader, CancellationToken ct) =>
            {
                var lines = await reader.ReadSessionAsync(sessionId, around ?? time.GetUtcNow(), ct);
                return lines.Count > 0
                    ? TypedResults.Ok(lines)
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", "No protocol log lines for that session near that time (pass ?around= with the session's start).");
            })
            .WithName("GetProtocolLogSession").WithSummary("One session's transcript; around = a time inside the session (default now), which picks the hourly files")
            .Produces<List<ProtocolLogLine>>().ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }
}
