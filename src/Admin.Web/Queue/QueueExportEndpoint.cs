using Mailflow.Admin.Web.Identity;
using Mailflow.Configuration;
using Mailflow.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mailflow.Admin.Web.Queue;

/// <summary>Downloads a queued message as .eml (the exact stored bytes). Organization Management only; the export is audited.</summary>
public static class QueueExportEndpoint
{
    public static string PathFor(string queueId) => $"/admin/queues/messages/{Uri.EscapeDataString(queueId)}/export.eml";

    public static IEndpointRouteBuilder MapQueueExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/queues/messages/{queueId}/export.eml", async (string queueId, HttpContext context, IQueueOperations operations) =>
        {
            var stream = await operations.ExportAsync(AdminActor.FromPrincipal(context.User), queueId, context.RequestAborted);
            return stream is null
                ? Results.NotFound()
                : Results.Stream(stream, "message/rfc822", $"{queueId}.eml");
        }).RequireAuthorization(AdminPolicies.OrganizationManagement);
        return endpoints;
    }
}
