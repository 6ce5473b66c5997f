namespace Mailflow.Admin.Web.ApiReference;

/// <summary>One REST API operation as the API page lists it.</summary>
public sealed record ApiOperation(string Method, string Path, string Summary, string Tag);

/// <summary>What the API page shows: the operations of the OpenAPI document, and where the document itself is.</summary>
public sealed record ApiDescription(string Title, string Version, string DocumentUrl, IReadOnlyList<ApiOperation> Operations);

/// <summary>
/// Describes the REST API for the admin center's API page. The host implements it from its OpenAPI
/// document (the admin center is a class library and knows nothing of the endpoints); without a
/// registration the page says the reference is not available.
/// </summary>
public interface IApiDescriptionSource
{
    Task<ApiDescription> DescribeAsync(CancellationToken cancellationToken);
}
