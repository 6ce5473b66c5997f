using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>A recipient as the API shows and takes it: the entity's fields without the password hash.</summary>
public sealed class RecipientResource
{
    public Guid Id { get; set; }
    public RecipientKind Kind { get; set; }
    public string DisplayName { get; set; } = "";
    public string PrimaryAddress { get; set; } = "";
    public List<string> ExtraAddresses { get; set; } = [];
    public MailboxDeliveryKind DeliveryKind { get; set; } = MailboxDeliveryKind.Maildir;
    public string DeliveryTarget { get; set; } = "";
    /// <summary>Read-only: whether the mailbox has a submission (SMTP AUTH) password.</summary>
    public bool HasSubmissionPassword { get; set; }
    public List<string> SendAs { get; set; } = [];
    /// <summary>Maildir mailbox size limit in bytes: null = the organization's default, 0 = none.</summary>
    public long? QuotaBytes { get; set; }
    /// <summary>Read-only: the Maildir mailbox's size against its quota, as measured on this node (null for other recipients).</summary>
    public MailboxUsageResource? Usage { get; set; }
    public Guid? ForwardToId { get; set; }
    public string ExternalAddress { get; set; } = "";
    public List<Guid> MemberIds { get; set; } = [];
    public int Revision { get; set; }

    /// <summary>With the mailbox's size against its quota, where this node can measure it.</summary>
    public static RecipientResource From(Recipient r, IMailboxUsage? usage)
    {
        var resource = From(r);
        if (usage?.Find(r) is { } found)
            resource.Usage = new MailboxUsageResource(found.UsedBytes, found.LimitBytes, found.Percent is { } p ? Math.Round(p, 1) : null,
                found.IsNearlyFull, found.IsFull, found.Describe());
        return resource;
    }

    public static RecipientResource From(Recipient r) => new()
    {
        Id = r.Id, Kind = r.Kind, DisplayName = r.DisplayName, PrimaryAddress = r.PrimaryAddress, ExtraAddresses = r.ExtraAddresses,
        DeliveryKind = r.DeliveryKind, DeliveryTarget = r.DeliveryTarget, HasSubmissionPassword = r.SubmissionPasswordHash is not null,
        SendAs = r.SendAs, QuotaBytes = r.QuotaBytes, ForwardToId = r.ForwardToId, ExternalAddress = r.ExternalAddress, MemberIds = r.MemberIds, Revision = r.Revision,
    };

    public Recipient ToEntity() => new()
    {
        Id = Id, Kind = Kind, DisplayName = DisplayName ?? "", PrimaryAddress = PrimaryAddress ?? "", ExtraAddresses = ExtraAddresses ?? [],
        DeliveryKind = DeliveryKind, DeliveryTarget = DeliveryTarget ?? "", SendAs = SendAs ?? [], QuotaBytes = QuotaBytes, ForwardToId = ForwardToId,
        ExternalAddress = ExternalAddress ?? "", MemberIds = MemberIds ?? [], Revision = Revision,
    };
}

/// <summary>A mailbox's size against its quota (<see cref="MailboxUsage"/>): percent of the quota, nearly full from the organization's warning threshold.</summary>
public sealed record MailboxUsageResource(long UsedBytes, long? LimitBytes, double? Percent, bool NearlyFull, bool Full, string Text);

/// <summary>/api/v1/recipients: mailboxes, aliases, distribution groups, mail contacts and submission passwords. Recipient Management may change these.</summary>
public static class RecipientsApi
{
    public sealed record SetPasswordRequest(string Password);

    public sealed record RecipientSearchResult(IReadOnlyList<RecipientResource> Items, int Page, int PageSize, int Total);

    /// <summary>A generated password, shown once.</summary>
    public sealed record GeneratedPassword(RecipientResource Recipient, string Password);

    private const string Missing = "There is no recipient with that id.";

    public static RouteGroupBuilder MapRecipientsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/recipients").WithTags("Recipients");

        group.MapGet("/", async (RecipientService recipients, IMailboxUsage usage, CancellationToken ct) =>
                (await recipients.ListAsync(ct)).Select(r => RecipientResource.From(r, usage)).ToList())
            .WithName("ListRecipients").WithSummary("List recipients");

        group.MapGet("/search", async (RecipientDirectory directory, IMailboxUsage usage, string? text, RecipientKind? kind, RecipientSort? sort, bool? descending,
                int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 50, 1, RecipientDirectory.MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                var found = await directory.SearchAsync(new RecipientSearch(text, kind, sort ?? RecipientSort.Address, descending ?? false, (number - 1) * size, size), ct);
                return new RecipientSearchResult([.. found.Items.Select(r => RecipientResource.From(r, usage))], number, size, found.Total);
            })
            .WithName("SearchRecipients")
            .WithSummary("A page of recipients: text (contained in address or display name), kind, sort (Address, Name, Kind), descending; page from 1, pageSize up to 500");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, RecipientService recipients, IMailboxUsage usage, CancellationToken ct) =>
                await recipients.GetAsync(id, ct) is { } recipient
                    ? TypedResults.Ok(http.WithETag(RecipientResource.From(recipient, usage), recipient.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetRecipient").WithSummary("Get one recipient (ETag = revision)")
            .Produces<RecipientResource>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (RecipientResource input, HttpContext http, ClaimsPrincipal user, RecipientService recipients, CancellationToken ct) =>
            {
                var created = await recipients.CreateAsync(AdminActor.FromPrincipal(user), input.ToEntity(), ct);
                return TypedResults.Created($"/api/v1/recipients/{created.Id}", http.WithETag(RecipientResource.From(created), created.Revision));
            })
            .WithName("CreateRecipient").WithSummary("Add a mailbox, alias, distribution group or mail contact")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPut("/{id:guid}", async (Guid id, RecipientResource input, HttpContext http, ClaimsPrincipal user, RecipientService recipients, CancellationToken ct) =>
            {
                var stored = await recipients.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                var entity = input.ToEntity();
                entity.Id = id;
                entity.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await recipients.UpdateAsync(AdminActor.FromPrincipal(user), entity, ct);
                return TypedResults.Ok(http.WithETag(RecipientResource.From(saved), saved.Revision));
            })
            .WithName("UpdateRecipient").WithSummary("Change a recipient (If-Match required; the kind cannot change)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, RecipientService recipients, CancellationToken ct) =>
            {
                var stored = await recipients.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await recipients.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteRecipient").WithSummary("Remove a recipient (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapPut("/{id:guid}/submission-password", async (Guid id, SetPasswordRequest request, HttpContext http, ClaimsPrincipal user, RecipientService recipients, CancellationToken ct) =>
            {
                var stored = await recipients.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                var revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await recipients.SetSubmissionPasswordAsync(AdminActor.FromPrincipal(user), id, revision, request.Password ?? "", ct);
                return TypedResults.Ok(http.WithETag(RecipientResource.From(saved), saved.Revision));
            })
            .WithName("SetSubmissionPassword").WithSummary("Set a mailbox's submission (SMTP AUTH) password (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapPost("/{id:guid}/submission-password/reset", async (Guid id, HttpContext http, ClaimsPrincipal user, RecipientService recipients, CancellationToken ct) =>
            {
                var stored = await recipients.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                var revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var password = RecipientDirectory.GeneratePassword();
                var saved = await recipients.SetSubmissionPasswordAsync(AdminActor.FromPrincipal(user), id, revision, password, ct);
                return TypedResults.Ok(http.WithETag(new GeneratedPassword(RecipientResource.From(saved), password), saved.Revision));
            })
            .WithName("ResetSubmissionPassword").WithSummary("Give a mailbox a new random submission password, returned once (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapDelete("/{id:guid}/submission-password", async (Guid id, HttpContext http, ClaimsPrincipal user, RecipientService recipients, CancellationToken ct) =>
            {
                var stored = await recipients.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                var revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await recipients.SetSubmissionPasswordAsync(AdminActor.FromPrincipal(user), id, revision, null, ct);
                return TypedResults.Ok(http.WithETag(RecipientResource.From(saved), saved.Revision));
            })
            .WithName("RemoveSubmissionPassword").WithSummary("Remove a mailbox's submission password: it can no longer sign in to send (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
