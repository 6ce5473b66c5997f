using Mailflow.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Mailboxes, aliases, distribution groups and mail contacts. Recipient Management may change these.</summary>
public sealed class RecipientService(ConfigurationEditor editor, IPasswordHasher<Recipient> hasher, MaildirLocation maildirs)
{
    private const string Noun = "Recipient";
    /// <summary>NIST SP 800-63B: at least 8 characters for a memorized secret.</summary>
    public const int MinimumPasswordLength = 8;

    public async Task<IReadOnlyList<Recipient>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<Recipient>(cancellationToken)).OrderBy(r => r.PrimaryAddress, StringComparer.Ordinal)];

    public Task<Recipient?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        editor.GetAsync<Recipient>(id, cancellationToken);

    public Task<Recipient> CreateAsync(AdminActor actor, Recipient input, CancellationToken cancellationToken = default)
    {
        actor.DemandRecipientManagement();
        var recipient = new Recipient { Kind = input.Kind };
        CopyEditableFields(input, recipient);
        if (recipient.Kind == RecipientKind.Mailbox && string.IsNullOrWhiteSpace(recipient.DeliveryTarget) && recipient.DeliveryKind == MailboxDeliveryKind.Maildir)
            recipient.DeliveryTarget = Path.Combine("maildir", recipient.PrimaryAddress.Trim().ToLowerInvariant());
        DemandRemoteTargetRight(actor, null, recipient);
        return editor.CreateAsync(actor, Noun, recipient, ValidateAsync, cancellationToken);
    }

    public Task<Recipient> UpdateAsync(AdminActor actor, Recipient input, CancellationToken cancellationToken = default)
    {
        actor.DemandRecipientManagement();
        return editor.UpdateAsync<Recipient>(actor, Noun, input.Id, input.Revision, r =>
        {
            var before = (r.DeliveryKind, r.DeliveryTarget);
            CopyEditableFields(input, r);
            DemandRemoteTargetRight(actor, before, r);
        }, ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandRecipientManagement();
        return editor.DeleteAsync<Recipient>(actor, Noun, id, ValidateDeleteAsync, RemoveFromGroupsAsync, cancellationToken);
    }

    /// <summary>Sets (or with null, removes) the password the mailbox uses for SMTP AUTH. Stored as a hash only.</summary>
    public Task<Recipient> SetSubmissionPasswordAsync(AdminActor actor, Guid id, int revisionRead, string? password, CancellationToken cancellationToken = default)
    {
        actor.DemandRecipientManagement();
        if (password is not null && password.Length < MinimumPasswordLength)
        {
            var errors = new ValidationErrors();
            errors.Add("Password", $"Use at least {MinimumPasswordLength} characters.");
            errors.ThrowIfAny();
        }
        return editor.UpdateAsync<Recipient>(actor, Noun, id, revisionRead, r =>
        {
            r.SubmissionPasswordHash = password is null ? null : hasher.HashPassword(r, password);
        }, (db, r, errors, ct) =>
        {
            if (r.Kind != RecipientKind.Mailbox)
                errors.Add("Password", "Only mailboxes can sign in to submit mail.");
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>
    /// An LMTP or SMTP target sends the mailbox's mail to another server, or a Unix socket on this one:
    /// only Organization Management may choose one or change where it points. Recipient Management
    /// keeps every other edit (addresses, names, Maildir folders, passwords).
    /// </summary>
    private static void DemandRemoteTargetRight(AdminActor actor, (MailboxDeliveryKind Kind, string Target)? before, Recipient after)
    {
        if (actor.CanManageOrganization || after.Kind != RecipientKind.Mailbox || after.DeliveryKind == MailboxDeliveryKind.Maildir)
            return;
        if (before is { } b && b.Kind == after.DeliveryKind && string.Equals(b.Target.Trim(), after.DeliveryTarget.Trim(), StringComparison.Ordinal))
            return;
        throw new ConfigurationForbiddenException(
            $"{actor.Name} may not point a mailbox at an LMTP or SMTP server (needs the {Mailflow.Identity.AdminRoles.OrganizationManagement} role).");
    }

    /// <summary>
    /// Checks a submission password. Unknown addresses and recipients without a password are checked
    /// against a dummy hash, so the time taken does not tell which addresses have a password.
    /// </summary>
    public bool VerifySubmissionPassword(Recipient? mailbox, string password)
    {
        if (mailbox is { Kind: RecipientKind.Mailbox, SubmissionPasswordHash: { } hash })
            return hasher.VerifyHashedPassword(mailbox, hash, password) != PasswordVerificationResult.Failed;
        hasher.VerifyHashedPassword(DummyRecipient, _dummyHash.Value, password);
        return false;
    }

    private static readonly Recipient DummyRecipient = new();
    private readonly Lazy<string> _dummyHash = new(() => hasher.HashPassword(DummyRecipient, Guid.NewGuid().ToString("N")));

    public static ValidationErrors ValidateFields(Recipient r)
    {
        var errors = new ValidationErrors();
        if (!Enum.IsDefined(r.Kind))
            errors.Add(nameof(r.Kind), "Choose a mailbox, alias, distribution group or mail contact.");
        if (!MailAddressRules.TryNormalize(r.PrimaryAddress, out _, out var primaryError))
            errors.Add(nameof(r.PrimaryAddress), primaryError!);
        foreach (var extra in r.ExtraAddresses)
            if (!MailAddressRules.TryNormalize(extra, out _, out var error))
                errors.Add(nameof(r.ExtraAddresses), error!);
        if (r.DisplayName.Length > 256)
            errors.Add(nameof(r.DisplayName), "The display name may have at most 256 characters.");

        switch (r.Kind)
        {
            case RecipientKind.Mailbox:
                ValidateDeliveryTarget(r, errors);
                if (MailboxQuota.ValidateLimit(r.QuotaBytes, allowNull: true) is { } quotaError)
                    errors.Add(nameof(r.QuotaBytes), quotaError);
                foreach (var sendAs in r.SendAs)
                {
                    var candidate = sendAs.StartsWith("*@", StringComparison.Ordinal) ? "any" + sendAs[1..] : sendAs;
                    if (!MailAddressRules.TryNormalize(candidate, out _, out _))
                        errors.Add(nameof(r.SendAs), $"'{sendAs}' is not an address or *@domain.");
                }
                break;
            case RecipientKind.Alias:
                if (r.ForwardToId is null)
                    errors.Add(nameof(r.ForwardToId), "Choose the recipient this alias forwards to.");
                else if (r.ForwardToId == r.Id)
                    errors.Add(nameof(r.ForwardToId), "An alias cannot forward to itself.");
                break;
            case RecipientKind.MailContact:
                if (!MailAddressRules.TryNormalize(r.ExternalAddress, out _, out var externalError))
                    errors.Add(nameof(r.ExternalAddress), externalError!);
                break;
            case RecipientKind.DistributionGroup:
                if (r.MemberIds.Contains(r.Id))
                    errors.Add(nameof(r.MemberIds), "A group cannot be a member of itself.");
                break;
        }
        return errors;
    }

    private static void ValidateDeliveryTarget(Recipient r, ValidationErrors errors)
    {
        var target = r.DeliveryTarget.Trim();
        switch (r.DeliveryKind)
        {
            case MailboxDeliveryKind.Maildir:
                if (target.Length == 0)
                    errors.Add(nameof(r.DeliveryTarget), "Enter the Maildir folder (relative paths are under the data directory).");
                else if (target.Split('/', '\\').Contains(".."))
                    errors.Add(nameof(r.DeliveryTarget), "The Maildir path may not contain '..'.");
                break;
            case MailboxDeliveryKind.Lmtp:
                if (!(target.StartsWith("unix:/", StringComparison.Ordinal) || SmartHostRules.TryParse(target, out _, out var lmtpPort, out _) && lmtpPort is not null))
                    errors.Add(nameof(r.DeliveryTarget), "Enter the LMTP server as host:port (mailstore.contoso.com:24) or unix:/path/to/socket.");
                break;
            case MailboxDeliveryKind.Smtp:
                if (!SmartHostRules.TryParse(target, out _, out _, out var smtpError))
                    errors.Add(nameof(r.DeliveryTarget), smtpError!);
                break;
            default:
                errors.Add(nameof(r.DeliveryKind), "Choose Maildir, LMTP or SMTP delivery.");
                break;
        }
    }

    private async Task ValidateAsync(MailflowDbContext db, Recipient r, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(r).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        if (!errors.IsEmpty)
            return;
        if (r.Kind == RecipientKind.Mailbox && r.DeliveryKind == MailboxDeliveryKind.Maildir && maildirs.Resolve(r.DeliveryTarget.Trim(), out var maildirError) is null)
        {
            errors.Add(nameof(r.DeliveryTarget), maildirError!);
            return;
        }

        r.PrimaryAddress = Normalize(r.PrimaryAddress);
        r.ExtraAddresses = [.. r.ExtraAddresses.Select(Normalize).Distinct(StringComparer.OrdinalIgnoreCase).Where(a => !a.Equals(r.PrimaryAddress, StringComparison.OrdinalIgnoreCase))];
        if (r.Kind == RecipientKind.MailContact)
            r.ExternalAddress = Normalize(r.ExternalAddress);
        r.DeliveryTarget = r.DeliveryTarget.Trim();

        var domains = await db.AcceptedDomains.AsNoTracking().ToListAsync(cancellationToken);
        var snapshot = new TransportConfig(0, default, domains, [], [], [], [], new OrganizationSettings());
        foreach (var address in r.AllAddresses)
        {
            var domain = MailAddressRules.DomainOf(address);
            if (snapshot.FindAcceptedDomain(domain) is null)
                errors.Add(address == r.PrimaryAddress ? nameof(r.PrimaryAddress) : nameof(r.ExtraAddresses),
                    $"{domain} is not an accepted domain. Add it under Accepted domains first, or use an address in one.");
        }

        var others = await db.Recipients.AsNoTracking().Where(o => o.Id != r.Id).ToListAsync(cancellationToken);
        var owners = new Dictionary<string, Recipient>(StringComparer.OrdinalIgnoreCase);
        foreach (var other in others)
            foreach (var address in other.AllAddresses)
                owners.TryAdd(address, other);
        foreach (var address in r.AllAddresses)
            if (owners.TryGetValue(address, out var owner))
                errors.Add(address == r.PrimaryAddress ? nameof(r.PrimaryAddress) : nameof(r.ExtraAddresses),
                    $"{address} is already used by '{(owner.DisplayName.Length > 0 ? owner.DisplayName : owner.PrimaryAddress)}'.");

        var ids = others.Select(o => o.Id).ToHashSet();
        if (r.Kind == RecipientKind.Alias && r.ForwardToId is { } target && !ids.Contains(target))
            errors.Add(nameof(r.ForwardToId), "The recipient this alias forwards to no longer exists.");
        if (r.Kind == RecipientKind.DistributionGroup)
        {
            r.MemberIds = [.. r.MemberIds.Distinct()];
            if (r.MemberIds.Any(m => !ids.Contains(m)))
                errors.Add(nameof(r.MemberIds), "Some members no longer exist; reload the group.");
        }
    }

    private static async Task ValidateDeleteAsync(MailflowDbContext db, Recipient r, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var aliases = await db.Recipients.AsNoTracking()
            .Where(o => o.Kind == RecipientKind.Alias && o.ForwardToId == r.Id)
            .Select(o => o.PrimaryAddress)
            .ToListAsync(cancellationToken);
        if (aliases.Count > 0)
            errors.Add(nameof(r.PrimaryAddress), $"Aliases forward to this recipient ({string.Join(", ", aliases)}). Remove or repoint them first.");
        var defaultDomain = await db.AcceptedDomains.AsNoTracking().Where(d => d.IsDefault).Select(d => d.DomainName).FirstOrDefaultAsync(cancellationToken);
        if (defaultDomain is not null && r.AllAddresses.Any(a => a.Equals($"postmaster@{defaultDomain}", StringComparison.OrdinalIgnoreCase)))
            errors.Add(nameof(r.PrimaryAddress), $"postmaster@{defaultDomain} must exist (RFC 5321 §4.5.1). Move the address to another mailbox first.");
    }

    private static async Task<IReadOnlyList<AuditChange>> RemoveFromGroupsAsync(MailflowDbContext db, Recipient removed, CancellationToken cancellationToken)
    {
        var changes = new List<AuditChange>();
        var groups = await db.Recipients.Where(g => g.Kind == RecipientKind.DistributionGroup).ToListAsync(cancellationToken);
        foreach (var group in groups.Where(g => g.MemberIds.Contains(removed.Id)))
        {
            var before = AuditJson.Serialize(group);
            group.MemberIds = [.. group.MemberIds.Where(m => m != removed.Id)];
            group.Revision++;
            changes.Add(AuditChange.Updated(before, group));
        }
        return changes;
    }

    private static string Normalize(string address) => MailAddressRules.TryNormalize(address, out var n, out _) ? n : address.Trim();

    /// <summary>The fields an admin edits (not id, revision, kind or the password hash): the one list the service and the editors share.</summary>
    public static void CopyEditableFields(Recipient from, Recipient to)
    {
        to.DisplayName = from.DisplayName.Trim();
        to.PrimaryAddress = from.PrimaryAddress;
        to.ExtraAddresses = [.. from.ExtraAddresses];
        to.DeliveryKind = from.DeliveryKind;
        to.DeliveryTarget = from.DeliveryTarget;
        to.SendAs = [.. from.SendAs];
        to.QuotaBytes = from.QuotaBytes;
        to.ForwardToId = from.ForwardToId;
        to.ExternalAddress = from.ExternalAddress;
        to.MemberIds = [.. from.MemberIds];
    }
}
