using System.Net;
using System.Text.Json.Serialization;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.Spf;
using MimeKit;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>
/// /api/v1/diagnostics: SPF, DKIM and DMARC evaluated on demand with the code the inbound agent runs,
/// against the node's resolvers. Every request that was evaluated answers 200 with the result in
/// lower case (a DNS failure is the result "temperror", not an HTTP error); only unusable input is 4xx.
/// </summary>
public static class DiagnosticsApi
{
    /// <summary>The largest message /dkim reads (the default receive connector limit).</summary>
    public const long MaxMessageBytes = ReceiveConnectorDefaults.MaxMessageSizeBytes;

    public sealed record SpfRequest(string? Ip, string? Helo, string? Sender);
    public sealed record SpfResponse(string Result, string Explanation);

    public sealed record DkimSignatureView(string Domain, string Selector, string Result);
    public sealed record DkimResponse(IReadOnlyList<DkimSignatureView> Results);

    public sealed record DmarcAuthResult(string? Result, string? Domain);
    public sealed record DmarcRequest([property: JsonPropertyName("from_domain")] string? FromDomain, DmarcAuthResult? Spf, IReadOnlyList<DmarcAuthResult>? Dkim);
    public sealed record DmarcResponse(string Result, string Policy);

    public static RouteGroupBuilder MapDiagnosticsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/diagnostics").WithTags("Diagnostics");

        group.MapPost("/spf", async (SpfRequest request, SpfEvaluator spf, CancellationToken ct) =>
            {
                if (!IPAddress.TryParse(request.Ip?.Trim(), out var ip))
                    return ApiResults.Validation(new Dictionary<string, string[]> { ["ip"] = ["Give the client's IPv4 or IPv6 address, e.g. 192.0.2.10."] });
                var outcome = await spf.CheckMailFromAsync(ip, request.Helo ?? "", request.Sender ?? "", ct);
                return Results.Ok(new SpfResponse(outcome.ResultText, outcome.Explanation ?? outcome.Reason));
            })
            .WithName("DiagnoseSpf")
            .WithSummary("SPF check_host() for a client address, HELO name and MAIL FROM (empty = the null sender, which checks postmaster@helo)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/dkim", async (HttpRequest http, DkimSignatureVerifier verifier, CancellationToken ct) =>
            {
                if (!string.Equals(http.ContentType?.Split(';')[0].Trim(), "message/rfc822", StringComparison.OrdinalIgnoreCase))
                    return ApiResults.Problem(StatusCodes.Status415UnsupportedMediaType, "Send the message as message/rfc822.", "The body must be the raw message, byte for byte, with Content-Type: message/rfc822.");
                if (http.ContentLength > MaxMessageBytes)
                    return ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, "The message is too large.", $"At most {MaxMessageBytes} bytes.");
                // MimeKit parses from a seekable copy so that raw header bytes are kept exactly as sent.
                await using var buffer = new MemoryStream();
                await http.Body.CopyToAsync(buffer, ct);
                if (buffer.Length == 0)
                    return ApiResults.Validation(new Dictionary<string, string[]> { ["body"] = ["The body is empty: send the raw message."] });
                buffer.Position = 0;
                MimeMessage message;
                try
                {
                    message = await MimeMessage.LoadAsync(buffer, ct);
                }
                catch (FormatException exception)
                {
                    return ApiResults.Validation(new Dictionary<string, string[]> { ["body"] = [$"The body is not a message: {exception.Message}"] });
                }
                var results = await verifier.VerifyAsync(message, ct);
                return Results.Ok(new DkimResponse([.. results.Select(r => new DkimSignatureView(r.Domain, r.Selector, r.ResultText))]));
            })
            .WithName("DiagnoseDkim")
            .WithSummary("Verifies every DKIM-Signature of the raw message in the body (Content-Type: message/rfc822), topmost first")
            .Accepts<string>("message/rfc822")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/dmarc", async (DmarcRequest request, DmarcEvaluator dmarc, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (string.IsNullOrWhiteSpace(request.FromDomain))
                    errors["from_domain"] = ["Give the domain of the message's From address."];
                var spfResult = SpfResult.None;
                if (request.Spf?.Result is { } spfText && !SpfResultText.TryParse(spfText, out spfResult))
                    errors["spf.result"] = ["One of pass, fail, softfail, neutral, none, permerror, temperror."];
                var dkim = new List<(DkimResult, string)>();
                foreach (var (entry, index) in (request.Dkim ?? []).Select((e, i) => (e, i)))
                {
                    if (!DkimResultText.TryParse(entry.Result, out var dkimResult))
                        errors[$"dkim[{index}].result"] = ["One of pass, fail, neutral, policy, none, permerror, temperror."];
                    else
                        dkim.Add((dkimResult, entry.Domain ?? ""));
                }
                if (errors.Count > 0)
                    return ApiResults.Validation(errors);
                var outcome = await dmarc.EvaluateAsync(new DmarcInput(request.FromDomain!.Trim(), spfResult, request.Spf?.Domain, dkim), ct);
                return Results.Ok(new DmarcResponse(outcome.ResultText, outcome.Disposition.ToText()));
            })
            .WithName("DiagnoseDmarc")
            .WithSummary("DMARC for a From domain given SPF and DKIM results: looks up the policy and returns the result and this message's disposition")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        return api;
    }
}
