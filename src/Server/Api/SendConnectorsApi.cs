using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>
/// A send connector as the API shows and takes it: the entity's fields, without the stored (encrypted)
/// smart-host password. <see cref="SmartHostPassword"/> is write-only: set it to store a new password,
/// leave it null to keep the stored one; responses never carry it, only <see cref="HasSmartHostPassword"/>.
/// </summary>
public sealed class SendConnectorResource
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public List<AddressSpace> AddressSpaces { get; set; } = [];
    public SendRoutingMethod RoutingMethod { get; set; } = SendConnectorDefaults.RoutingMethod;
    public List<string> SmartHosts { get; set; } = [];
    public SmartHostAuthentication SmartHostAuthentication { get; set; }
    public string SmartHostUsername { get; set; } = "";
    /// <summary>Write-only: a new smart-host password. Never returned.</summary>
    public string? SmartHostPassword { get; set; }
    /// <summary>Read-only: whether a smart-host password is stored.</summary>
    public bool HasSmartHostPassword { get; set; }
    public OutboundTlsPolicy TlsPolicy { get; set; } = SendConnectorDefaults.TlsPolicy;
    public string TlsCertificateDomain { get; set; } = "";
    public MtaStsOutboundMode MtaSts { get; set; } = SendConnectorDefaults.MtaSts;
    public bool Dane { get; set; } = SendConnectorDefaults.Dane;
    public int Port { get; set; } = SendConnectorDefaults.Port;
    public string HeloFqdn { get; set; } = "";
    public long MaxMessageSizeBytes { get; set; } = SendConnectorDefaults.MaxMessageSizeBytes;
    public List<string> SourceNodes { get; set; } = [];
    public int MaxConcurrentConnections { get; set; } = SendConnectorDefaults.MaxConcurrentConnections;
    public int MaxMessagesPerConnection { get; set; } = SendConnectorDefaults.MaxMessagesPerConnection;
    public int Revision { get; set; }

    public static SendConnectorResource From(SendConnector c) => new()
    {
        Id = c.Id, Name = c.Name, Enabled = c.Enabled, AddressSpaces = c.AddressSpaces, RoutingMethod = c.RoutingMethod,
        SmartHosts = c.SmartHosts, SmartHostAuthentication = c.SmartHostAuthentication, SmartHostUsername = c.SmartHostUsername,
        HasSmartHostPassword = c.SmartHostPasswordProtected is not null, TlsPolicy = c.TlsPolicy, TlsCertificateDomain = c.TlsCertificateDomain, MtaSts = c.MtaSts, Dane = c.Dane,
        Port = c.Port, HeloFqdn = c.HeloFqdn, MaxMessageSizeBytes = c.MaxMessageSizeBytes, SourceNodes = c.SourceNodes,
        MaxConcurrentConnections = c.MaxConcurrentConnections, MaxMessagesPerConnection = c.MaxMessagesPerConnection, Revision = c.Revision,
    };

    public SendConnector ToEntity() => new()
    {
        Id = Id, Name = Name, Enabled = Enabled, AddressSpaces = AddressSpaces, RoutingMethod = RoutingMethod,
        SmartHosts = SmartHosts, SmartHostAuthentication = SmartHostAuthentication, SmartHostUsername = SmartHostUsername,
        TlsPolicy = TlsPolicy, TlsCertificateDomain = TlsCertificateDomain, MtaSts = MtaSts, Dane = Dane, Port = Port, HeloFqdn = HeloFqdn,
        MaxMessageSizeBytes = MaxMessageSizeBytes, SourceNodes = SourceNodes, MaxConcurrentConnections = MaxConcurrentConnections,
        MaxMessagesPerConnection = MaxMessagesPerConnection, Revision = Revision,
    };
}

/// <summary>/api/v1/send-connectors: which next hop mail for which domains leaves through.</summary>
public static class SendConnectorsApi
{
    private const string Missing = "There is no send connector with that id.";

    public static RouteGroupBuilder MapSendConnectorsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/send-connectors").WithTags("Send connectors");

        group.MapGet("/", async (SendConnectorService connectors, CancellationToken ct) =>
                (await connectors.ListAsync(ct)).Select(SendConnectorResource.From).ToList())
            .WithName("ListSendConnectors").WithSummary("List send connectors (passwords are never returned)");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, SendConnectorService connectors, CancellationToken ct) =>
                await connectors.GetAsync(id, ct) is { } connector
                    ? TypedResults.Ok(http.WithETag(SendConnectorResource.From(connector), connector.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetSendConnector").WithSummary("Get one send connector (ETag = revision)")
            .Produces<SendConnectorResource>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (SendConnectorResource input, HttpContext http, ClaimsPrincipal user, SendConnectorService connectors, CancellationToken ct) =>
            {
                var created = await connectors.CreateAsync(AdminActor.FromPrincipal(user), input.ToEntity(), input.SmartHostPassword, ct);
                return TypedResults.Created($"/api/v1/send-connectors/{created.Id}", http.WithETag(SendConnectorResource.From(created), created.Revision));
            })
            .WithName("CreateSendConnector").WithSummary("Add a send connector")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPut("/{id:guid}", async (Guid id, SendConnectorResource input, HttpContext http, ClaimsPrincipal user, SendConnectorService connectors, CancellationToken ct) =>
            {
                var stored = await connectors.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                var entity = input.ToEntity();
                entity.Id = id;
                entity.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await connectors.UpdateAsync(AdminActor.FromPrincipal(user), entity, input.SmartHostPassword, ct);
                return TypedResults.Ok(http.WithETag(SendConnectorResource.From(saved), saved.Revision));
            })
            .WithName("UpdateSendConnector").WithSummary("Change a send connector (If-Match required; omit smartHostPassword to keep the stored one)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, SendConnectorService connectors, CancellationToken ct) =>
            {
                var stored = await connectors.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await connectors.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteSendConnector").WithSummary("Remove a send connector (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
