namespace Mailflow.Data;

/// <summary>Runs once at start-up after migrations: creates first-start defaults when they are missing. Must be idempotent.</summary>
public interface IStartupSeeder
{
    Task SeedAsync(CancellationToken cancellationToken);
}
