using System.Text.Json.Serialization;
using Mailflow.Admin.Web.ApiReference;
using Mailflow.Server.Api.Authentication;

namespace Mailflow.Server.Api;

/// <summary>
/// The REST API under <c>/api/v1</c>: minimal APIs over the same services in src/Shared the admin
/// center calls, so validation, authorization (the services check the caller's roles) and audit
/// are the same whichever face an admin uses. One file per resource group; a new area (queues,
/// messages, message trace, what-if) adds its own <c>MapXxxApi</c> file and one line below.
/// </summary>
public static class MailflowApi
{
    public const string Prefix = "/api/v1";
    public const string OpenApiDocumentName = "v1";
    /// <summary>The OpenAPI document. Served without sign-in: it describes the API, it holds no data.</summary>
    public const string OpenApiDocumentUrl = "/openapi/v1.json";

    public static WebApplicationBuilder AddMailflowApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddMailflowApiAuthentication();
        builder.Services.AddProblemDetails();
        // Enums as their names ("Authoritative", "StartTls"): readable in scripts and stable if members are reordered.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddOpenApi(OpenApiDocumentName, options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith(Prefix[1..], StringComparison.Ordinal) == true;
            options.AddDocumentTransformer<ApiDocumentTransformer>();
        });
        builder.Services.AddSingleton<IApiDescriptionSource, OpenApiDescriptionSource>();
        return builder;
    }

    public static WebApplication MapMailflowApi(this WebApplication app)
    {
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(ApiAuthentication.ReadPolicy)
            .AddEndpointFilter<CookieWriteProtection>()
            .AddEndpointFilter<ApiInputFilter>()
            .AddEndpointFilter<ApiExceptionFilter>();

        api.MapAcceptedDomainsApi()
            .MapReceiveConnectorsApi()
            .MapSendConnectorsApi()
            .MapRecipientsApi()
            .MapRulesApi()
            .MapJournalRulesApi()
            .MapOrganizationSettingsApi()
            .MapProtectionApi()
            .MapAddressRewritesApi()
            .MapRemoteDomainsApi()
            .MapThrottlingApi()
            .MapQuarantineApi()
            .MapClusterApi()
            .MapAuditApi()
            .MapApiKeysApi()
            .MapConfigurationAsCodeApi()
            .MapQueuesApi()
            .MapMessagesApi()
            .MapTraceApi()
            .MapProtocolLogApi()
            .MapTestMailFlowApi()
            .MapCertificatesApi()
            .MapTransportAgentsApi()
            .MapDiagnosticsApi()
            .MapDkimKeysApi()
            .MapDmarcReportsApi()
            .MapDomainHealthApi()
            .MapAlertsApi();

        app.MapOpenApi(OpenApiDocumentUrl.Replace(OpenApiDocumentName, "{documentName}", StringComparison.Ordinal)).AllowAnonymous();
        return app;
    }
}
