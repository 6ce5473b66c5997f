using Mailflow.Cluster;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/certificates: the SMTP TLS certificate this node presents, and replacing a self-signed one.</summary>
public static class CertificatesApi
{
    public static RouteGroupBuilder MapCertificatesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/certificates").WithTags("Certificates");

        group.MapGet("/node", (INodeCertificateStatus certificates) => certificates.Current)
            .WithName("GetNodeCertificate")
            .WithSummary("The certificate this node presents for STARTTLS and implicit TLS: subject, names, issuer, validity, self-signed or configured");

        group.MapPost("/node/self-signed", IResult (INodeCertificateStatus certificates, HttpContext context) =>
            {
                try
                {
                    return TypedResults.Ok(certificates.GenerateSelfSigned(AdminActor.FromPrincipal(context.User)));
                }
                catch (InvalidOperationException ex)
                {
                    // A certificate configured from a file: that file is the source of truth.
                    return ApiResults.Problem(StatusCodes.Status409Conflict, "Conflict", ex.Message);
                }
            })
            .WithName("RegenerateSelfSignedCertificate")
            .WithSummary("Generate a new self-signed certificate for the node's FQDN; new TLS sessions use it at once. Organization Management only; refused when a certificate is configured from a file")
            .Produces<NodeCertificateSummary>()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);

        return api;
    }
}
