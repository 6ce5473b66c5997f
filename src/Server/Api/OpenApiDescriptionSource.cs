using Mailflow.Admin.Web.ApiReference;
using Microsoft.AspNetCore.OpenApi;

namespace Mailflow.Server.Api;

/// <summary>Feeds the admin center's API page from the same OpenAPI document served at <see cref="MailflowApi.OpenApiDocumentUrl"/>.</summary>
public sealed class OpenApiDescriptionSource(IServiceProvider services) : IApiDescriptionSource
{
    public async Task<ApiDescription> DescribeAsync(CancellationToken cancellationToken)
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(MailflowApi.OpenApiDocumentName);
        var document = await provider.GetOpenApiDocumentAsync(cancellationToken);
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var tag = operation.Tags?.FirstOrDefault()?.Name ?? "";
                operations.Add(new ApiOperation(method.Method.ToUpperInvariant(), path, operation.Summary ?? "", tag));
            }
        }
        return new ApiDescription(document.Info.Title ?? "Mailflow API", document.Info.Version ?? "v1", MailflowApi.OpenApiDocumentUrl,
            [.. operations.OrderBy(o => o.Tag, StringComparer.Ordinal).ThenBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => MethodOrder(o.Method))]);
    }

    private static int MethodOrder(string method) => method switch
    {
        "GET" => 0,
        "POST" => 1,
        "PUT" => 2,
        "PATCH" => 3,
        "DELETE" => 4,
        _ => 5,
    };
}
