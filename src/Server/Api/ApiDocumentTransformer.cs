using Mailflow.Server.Api.Authentication;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Mailflow.Server.Api;

/// <summary>Names the document and declares how to authenticate: an API key as a bearer token or in X-Api-Key.</summary>
public sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Mailflow API";
        document.Info.Description =
            "Everything the admin center does, scriptable. Authenticate with an API key (Authorization: Bearer <key> or X-Api-Key: <key>). " +
            "Errors are RFC 9457 problem details; validation errors (422) carry per-field messages in 'errors'. " +
            "GET of a single object returns its revision as ETag; PUT and DELETE need If-Match (428 without it, 412 when stale; If-Match: * overwrites).";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key as a bearer token.",
        };
        document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiAuthentication.ApiKeyHeader,
            Description = "An API key in the X-Api-Key header.",
        };
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] },
        ];
        return Task.CompletedTask;
    }
}
