using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Security;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Senders blocked for reaching a rate limit ("block the user when the limit is reached"): the rate
/// limit blocks, an admin unblocks; both are audited and start a new generation so every node agrees.
/// </summary>
public sealed class BlockedSenderService(ConfigurationEditor editor, RateLimitCounters counters, TimeProvider time)
{
    private const string Noun = "Blocked sender";

    /// <summary>Who the audit log names for blocks made by the engine.</summary>
    public static readonly AdminActor RateLimitActor = new("rate limit", new HashSet<string> { AdminRoles.OrganizationManagement });

    public async Task<IReadOnlyList<BlockedSender>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<BlockedSender>(cancellationToken)).OrderByDescending(b => b.BlockedAt)];

    public Task<BlockedSender?> GetAsync(Guid id, CancellationToken cancellationToken = default) => editor.GetAsync<BlockedSender>(id, cancellationToken);

    /// <summary>Blocks <paramref name="userName"/>; a sender already blocked stays as it is (two nodes may block at once).</summary>
    public async Task BlockAsync(string userName, string reason, CancellationToken cancellationToken = default)
    {
        var entry = new BlockedSender
        {
            UserName = BlockedSender.Normalize(userName),
            Reason = reason.Length > BlockedSender.MaxReasonLength ? reason[..BlockedSender.MaxReasonLength] : reason,
            BlockedAt = time.GetUtcNow(),
        };
        try
        {
            await editor.CreateAsync(RateLimitActor, Noun, entry, RefuseDuplicateAsync, cancellationToken);
        }
        catch (ConfigurationValidationException)
        {
            // Already blocked: nothing to add.
        }
        catch (DbUpdateException)
        {
            // Another node blocked the same sender in the same instant (the unique index refused ours).
        }
    }

    /// <summary>Lets the sender send again and forgets what this node counted for it, so its next message is not refused at once.</summary>
    public async Task UnblockAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var entry = await editor.GetAsync<BlockedSender>(id, cancellationToken)
            ?? throw new ConfigurationNotFoundException("That sender is not blocked (any more).");
        await editor.DeleteAsync<BlockedSender>(actor, Noun, id, validate: null, cascade: null, cancellationToken);
        counters.ResetEverywhere(entry.UserName);
    }

    private static async Task RefuseDuplicateAsync(MailflowDbContext db, BlockedSender entry, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (await db.Set<BlockedSender>().AsNoTracking().AnyAsync(b => b.UserName == entry.UserName, cancellationToken))
            errors.Add(nameof(BlockedSender.UserName), $"{entry.UserName} is already blocked.");
    }
}
