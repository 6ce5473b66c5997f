using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Remote domains: validates (the domain syntax, character set names, the line-wrap range, one entry
/// per domain and per name, the default <c>*</c> entry kept and never a trusted partner), saves with
/// audit and a new configuration generation.
/// </summary>
public sealed class RemoteDomainService(ConfigurationEditor editor)
{
    private const string Noun = "Remote domain";

    public async Task<IReadOnlyList<RemoteDomain>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<RemoteDomain>(cancellationToken)).OrderBy(e => e.IsDefault ? 1 : 0).ThenBy(e => e.DomainName, StringComparer.OrdinalIgnoreCase)];

    public Task<RemoteDomain?> GetAsync(Guid id, CancellationToken cancellationToken = default) => editor.GetAsync<RemoteDomain>(id, cancellationToken);

    public Task<RemoteDomain> CreateAsync(AdminActor actor, RemoteDomain input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var entry = new RemoteDomain();
        Copy(input, entry);
        return editor.CreateAsync(actor, Noun, entry, ValidateAsync, cancellationToken);
    }

    /// <param name="input">The edited entry; its Revision is the one that was read.</param>
    public async Task<RemoteDomain> UpdateAsync(AdminActor actor, RemoteDomain input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        if (await GetAsync(input.Id, cancellationToken) is { IsDefault: true } && (input.DomainName ?? "").Trim() != RemoteDomain.DefaultDomainName)
        {
            var errors = new ValidationErrors();
            errors.Add(nameof(RemoteDomain.DomainName), "The default entry always covers * (every other domain): its domain cannot change. Add an entry for the domain instead.");
            errors.ThrowIfAny();
        }
        return await editor.UpdateAsync<RemoteDomain>(actor, Noun, input.Id, input.Revision, e => Copy(input, e), ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<RemoteDomain>(actor, Noun, id, validate: (_, entry, errors, _) =>
        {
            if (entry.IsDefault)
                errors.Add(nameof(RemoteDomain.DomainName), "The default entry (*) always exists: change its settings instead of removing it.");
            return Task.CompletedTask;
        }, cascade: null, cancellationToken);
    }

    /// <summary>Checks that need no store (the admin center calls it as the admin types); normalizes the domain and character set names in place.</summary>
    public static ValidationErrors ValidateFields(RemoteDomain entry)
    {
        var errors = new ValidationErrors();
        var name = (entry.Name ?? "").Trim();
        entry.Name = name;
        if (name.Length == 0)
            errors.Add(nameof(RemoteDomain.Name), "Give the entry a name, for example 'Fabrikam'.");
        else if (name.Length > RemoteDomain.MaxNameLength)
            errors.Add(nameof(RemoteDomain.Name), $"Keep the name under {RemoteDomain.MaxNameLength} characters.");

        var domain = (entry.DomainName ?? "").Trim();
        if (domain == RemoteDomain.DefaultDomainName)
        {
            entry.DomainName = domain;
            if (entry.TrustedPartner)
                errors.Add(nameof(RemoteDomain.TrustedPartner), "The default entry covers every domain: trusting it would put the whole Internet inside the organization. Add an entry for the partner's domain.");
        }
        else if (!AddressPattern.TryParse(domain, out var pattern, out var error))
            errors.Add(nameof(RemoteDomain.DomainName), domain.Length == 0 ? "Enter a domain (fabrikam.com) or all subdomains of one (*.fabrikam.com)." : error!);
        else if (pattern.Kind == AddressPatternKind.Address)
            errors.Add(nameof(RemoteDomain.DomainName), $"{pattern.Text} is an address: enter its domain ({MailAddressRules.DomainOf(pattern.Value)}) or *.{MailAddressRules.DomainOf(pattern.Value)}.");
        else
            entry.DomainName = pattern.Text;

        entry.CharacterSet = Charset(entry.CharacterSet, nameof(RemoteDomain.CharacterSet), errors);
        entry.NonMimeCharacterSet = Charset(entry.NonMimeCharacterSet, nameof(RemoteDomain.NonMimeCharacterSet), errors);
        if (entry.LineWrapSize is { } wrap && wrap is < RemoteDomain.MinLineWrapSize or > RemoteDomain.MaxLineWrapSize)
            errors.Add(nameof(RemoteDomain.LineWrapSize),
                $"Enter a length from {RemoteDomain.MinLineWrapSize} to {RemoteDomain.MaxLineWrapSize} characters (78 is customary), or leave it empty for unlimited.");
        return errors;
    }

    /// <summary>A character set name MimeKit can encode in, normalized to its MIME name; null when empty.</summary>
    private static string? Charset(string? text, string field, ValidationErrors errors)
    {
        var name = (text ?? "").Trim();
        if (name.Length == 0)
            return null;
        if (name.Length > RemoteDomain.MaxCharsetLength)
        {
            errors.Add(field, $"Keep the character set name under {RemoteDomain.MaxCharsetLength} characters.");
            return name;
        }
        try
        {
            return CharsetEncoding(name).WebName;
        }
        catch (ArgumentException)
        {
            errors.Add(field, $"'{name}' is not a character set Mailflow knows. Use a MIME name such as utf-8, iso-8859-1, iso-2022-jp or windows-1252.");
            return name;
        }
    }

    /// <summary>The .NET encoding of a character set name (code pages included): how validation checks a name and delivery encodes in it.</summary>
    /// <exception cref="ArgumentException">Not a character set .NET can encode in.</exception>
    public static System.Text.Encoding CharsetEncoding(string name)
    {
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        return System.Text.Encoding.GetEncoding(name.Trim());
    }

    private static async Task ValidateAsync(MailflowDbContext db, RemoteDomain entry, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(entry).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        if (!errors.IsEmpty)
            return;
        var others = await db.Set<RemoteDomain>().AsNoTracking().Where(e => e.Id != entry.Id).ToListAsync(cancellationToken);
        foreach (var problem in Clashes(entry, others))
            errors.Add(problem.Field, problem.Message);
    }

    /// <summary>What only the whole set can tell: each name and each domain used once.</summary>
    public static IEnumerable<(string Field, string Message)> Clashes(RemoteDomain entry, IEnumerable<RemoteDomain> others)
    {
        foreach (var other in others)
        {
            if (string.Equals(other.Name, entry.Name, StringComparison.OrdinalIgnoreCase))
                yield return (nameof(RemoteDomain.Name), $"There is already a remote domain named '{other.Name}'.");
            if (string.Equals(other.DomainName, entry.DomainName, StringComparison.OrdinalIgnoreCase))
                yield return (nameof(RemoteDomain.DomainName), entry.IsDefault
                    ? "The default entry (*) already exists: edit it instead."
                    : $"The remote domain '{other.Name}' already covers {other.DomainName}.");
        }
    }

    private static void Copy(RemoteDomain from, RemoteDomain to)
    {
        to.Name = (from.Name ?? "").Trim();
        to.DomainName = (from.DomainName ?? "").Trim();
        to.AllowAutomaticReplies = from.AllowAutomaticReplies;
        to.AllowAutomaticForwards = from.AllowAutomaticForwards;
        to.AllowDeliveryReports = from.AllowDeliveryReports;
        to.AllowNonDeliveryReports = from.AllowNonDeliveryReports;
        to.CharacterSet = string.IsNullOrWhiteSpace(from.CharacterSet) ? null : from.CharacterSet.Trim();
        to.NonMimeCharacterSet = string.IsNullOrWhiteSpace(from.NonMimeCharacterSet) ? null : from.NonMimeCharacterSet.Trim();
        to.LineWrapSize = from.LineWrapSize;
        to.TrustedPartner = from.TrustedPartner;
    }
}
