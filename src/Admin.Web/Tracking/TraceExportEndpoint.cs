using Mailflow.Configuration;
using Mailflow.Tracking;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mailflow.Admin.Web.Tracking;

/// <summary>The message trace page's "Export CSV": the same search as the page, one row per recipient (<see cref="TraceCsv"/>).</summary>
public static class TraceExportEndpoint
{
    public const string Path = "/admin/message-trace/export.csv";

    /// <summary>The download link for a search; times travel as ISO 8601.</summary>
    public static string PathFor(MessageTraceSearch search)
    {
        var query = new List<string>
        {
            "from=" + Uri.EscapeDataString(IsoTime.Utc(search.From)),
            "to=" + Uri.EscapeDataString(IsoTime.Utc(search.To)),
            "max=" + search.MaxMessages,
        };
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
                query.Add(name + "=" + Uri.EscapeDataString(value.Trim()));
        }
        Add("sender", search.Sender);
        Add("recipient", search.Recipient);
        Add("subject", search.Subject);
        Add("id", search.MessageOrQueueId);
        Add("kind", search.Kind?.ToString());
        return Path + "?" + string.Join('&', query);
    }

    public const string RefusalsPath = "/admin/message-trace/refusals.csv";

    /// <summary>The download link for the Refused tab's search.</summary>
    public static string PathFor(RefusalSearch search)
    {
        var query = new List<string>
        {
            "from=" + Uri.EscapeDataString(IsoTime.Utc(search.From)),
            "to=" + Uri.EscapeDataString(IsoTime.Utc(search.To)),
        };
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
                query.Add(name + "=" + Uri.EscapeDataString(value.Trim()));
        }
        Add("client", search.ClientAddress);
        Add("sender", search.Sender);
        Add("recipient", search.Recipient);
        Add("agent", search.Agent);
        return RefusalsPath + "?" + string.Join('&', query);
    }

    public static IEndpointRouteBuilder MapTraceExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(RefusalsPath, async (HttpContext context, MessageTraceQuery query, TimeProvider time,
            string? client, string? sender, string? recipient, string? agent, DateTimeOffset? from, DateTimeOffset? to) =>
        {
            var now = time.GetUtcNow();
            var result = await query.SearchRefusalsAsync(RefusalSearch.Create(now, client, sender, recipient, agent, from, to), 0, MessageTraceQuery.MaxRefusals, context.RequestAborted);
            return Results.File(TraceCsv.Utf8(RefusalCsv.ToCsv(result.Items)), TraceCsv.ContentType, RefusalCsv.FileName(now));
        }).RequireAuthorization();
        endpoints.MapGet(Path, async (HttpContext context, MessageTraceQuery query, TransportConfigProvider config, TimeProvider time,
            string? sender, string? recipient, string? subject, string? id, MessageTrackingEventKind? kind, DateTimeOffset? from, DateTimeOffset? to, int? max) =>
        {
            var now = time.GetUtcNow();
            var messages = await query.SearchAsync(MessageTraceSearches.From(now, sender, recipient, subject, id, kind, from, to, max), context.RequestAborted);
            return Results.File(TraceCsv.Utf8(await TraceCsv.ToStringAsync(messages, config.Current)), TraceCsv.ContentType, TraceCsv.FileName(now));
        }).RequireAuthorization();
        return endpoints;
    }
}
