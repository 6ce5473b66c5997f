using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Admin.Web.Queue;

/// <summary>
/// Reads a queued message's stored bytes for the details view and parses them with MimeKit. Bodies
/// are cut at <see cref="MaxBodyChars"/>; messages larger than <see cref="MaxMessageBytes"/> show
/// their headers only (the parser stops after the header block). Reading someone's mail is the same
/// right as exporting it: Organization Management only, and audited.
/// </summary>
public sealed class MessagePreviewReader(IDbContextFactory<MailflowDbContext> dbFactory, TimeProvider time)
{
    public const int MaxBodyChars = 100_000;
    public const long MaxMessageBytes = 10 * 1024 * 1024;

    /// <exception cref="ConfigurationForbiddenException">The actor may not read message content.</exception>
    public async Task<MessagePreview?> ReadAsync(AdminActor actor, string queueId, long messageId, long size, CancellationToken cancellationToken)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not read message content (needs the {AdminRoles.OrganizationManagement} role).");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = actor.Name,
            Action = AuditAction.Preview,
            ObjectType = "QueuedMessage",
            ObjectId = queueId,
            ObjectName = queueId,
            Generation = 0,
        });
        await db.SaveChangesAsync(cancellationToken);
        var data = await db.Set<MessageContent>().AsNoTracking().Where(c => c.MessageId == messageId).Select(c => c.Data).FirstOrDefaultAsync(cancellationToken);
        if (data is null)
            return null;
        using var stream = new MemoryStream(data, writable: false);
        if (size > MaxMessageBytes)
        {
            var headers = await HeaderList.LoadAsync(stream, cancellationToken);
            return new MessagePreview(headers.Select(h => KeyValuePair.Create(h.Field, h.Value)).ToList(), null, null, Truncated: true);
        }
        return Parse(await MimeMessage.LoadAsync(stream, cancellationToken));
    }

    public static MessagePreview Parse(MimeMessage message)
    {
        var headers = message.Headers.Select(h => KeyValuePair.Create(h.Field, h.Value)).ToList();
        var text = message.TextBody;
        var html = message.HtmlBody;
        var truncated = text?.Length > MaxBodyChars || html?.Length > MaxBodyChars;
        return new MessagePreview(headers, Cut(text), Cut(html), truncated);
    }

    private static string? Cut(string? value) => value is { Length: > MaxBodyChars } ? value[..MaxBodyChars] : value;
}
