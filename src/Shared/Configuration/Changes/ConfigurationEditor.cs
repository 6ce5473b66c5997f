using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Validation that may look at the store (uniqueness, references). Adds messages to <paramref name="errors"/>.</summary>
public delegate Task StoreValidation<in T>(MailflowDbContext db, T candidate, ValidationErrors errors, CancellationToken cancellationToken);

/// <summary>
/// Create / update / delete for one configuration object, the same way for every aggregate: in one
/// transaction, validate (field rules, then store rules), check the revision that was read, save,
/// and commit through <see cref="ConfigurationChangeWriter"/> (audit + generation + publish).
/// Aggregate services hold only their own rules and call this.
/// </summary>
public sealed class ConfigurationEditor(IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer)
{
    public async Task<IReadOnlyList<T>> ListAsync<T>(CancellationToken cancellationToken) where T : class, IConfigurationObject
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Set<T>().AsNoTracking().ToListAsync(cancellationToken);
    }

    public async Task<T?> GetAsync<T>(Guid id, CancellationToken cancellationToken) where T : class, IConfigurationObject
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Set<T>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
    }

    public async Task<T> CreateAsync<T>(AdminActor actor, string noun, T entity, StoreValidation<T> validate, CancellationToken cancellationToken)
        where T : class, IConfigurationObject
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var errors = new ValidationErrors();
        await validate(db, entity, errors, cancellationToken);
        errors.ThrowIfAny();
        entity.Revision = 0;
        db.Set<T>().Add(entity);
        await writer.CommitAsync(db, actor, $"{noun} '{entity.DisplayName}' created", [AuditChange.Created(entity)], cancellationToken);
        return entity;
    }

    /// <param name="apply">Copies the editable fields of the admin's input onto the stored object.</param>
    /// <param name="revisionRead">The revision the admin's edit started from.</param>
    public async Task<T> UpdateAsync<T>(AdminActor actor, string noun, Guid id, int revisionRead, Action<T> apply, StoreValidation<T> validate, CancellationToken cancellationToken)
        where T : class, IConfigurationObject
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var entity = await db.Set<T>().FirstOrDefaultAsync(e => e.Id == id, cancellationToken)
            ?? throw new ConfigurationNotFoundException($"That {noun.ToLowerInvariant()} no longer exists.");
        if (entity.Revision != revisionRead)
            throw new ConfigurationConflictException($"Someone else changed {noun.ToLowerInvariant()} '{entity.DisplayName}' after you opened it. Reload it and make your change again.");
        var before = AuditJson.Serialize(entity);
        apply(entity);
        var errors = new ValidationErrors();
        await validate(db, entity, errors, cancellationToken);
        errors.ThrowIfAny();
        ConfigurationChangeWriter.ExpectRevision(db, entity, revisionRead);
        await writer.CommitAsync(db, actor, $"{noun} '{entity.DisplayName}' changed", [AuditChange.Updated(before, entity)], cancellationToken);
        return entity;
    }

    /// <param name="validate">Refuses the removal (e.g. the object is still referenced) by adding messages.</param>
    /// <param name="cascade">Staged changes to other objects the removal implies (e.g. group memberships), audited with it.</param>
    public async Task DeleteAsync<T>(AdminActor actor, string noun, Guid id, StoreValidation<T>? validate, Func<MailflowDbContext, T, CancellationToken, Task<IReadOnlyList<AuditChange>>>? cascade, CancellationToken cancellationToken)
        where T : class, IConfigurationObject
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var entity = await db.Set<T>().FirstOrDefaultAsync(e => e.Id == id, cancellationToken)
            ?? throw new ConfigurationNotFoundException($"That {noun.ToLowerInvariant()} no longer exists.");
        if (validate is not null)
        {
            var errors = new ValidationErrors();
            await validate(db, entity, errors, cancellationToken);
            errors.ThrowIfAny();
        }
        var changes = new List<AuditChange> { AuditChange.Deleted(entity) };
        if (cascade is not null)
            changes.AddRange(await cascade(db, entity, cancellationToken));
        db.Set<T>().Remove(entity);
        await writer.CommitAsync(db, actor, $"{noun} '{entity.DisplayName}' removed", changes, cancellationToken);
    }
}
