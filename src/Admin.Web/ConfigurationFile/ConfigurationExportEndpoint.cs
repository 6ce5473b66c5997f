using System.Text.Json;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mailflow.Admin.Web.ConfigurationFile;

/// <summary>Downloads the whole organization configuration as a document (no secrets), as <c>mailflow config export</c> writes it.</summary>
public static class ConfigurationExportEndpoint
{
    public const string Path = "/admin/configuration/export.json";

    public static IEndpointRouteBuilder MapConfigurationExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, async (HttpContext context, ConfigurationAsCodeService service) =>
        {
            var document = await service.ExportAsync(AdminActor.FromPrincipal(context.User), cancellationToken: context.RequestAborted);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(document, ConfigurationDocument.JsonOptions);
            return Results.File(bytes, "application/json", "mailflow-configuration.json");
        }).RequireAuthorization();
        return endpoints;
    }
}
