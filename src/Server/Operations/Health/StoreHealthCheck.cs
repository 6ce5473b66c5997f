using Mailflow.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mailflow.Server.Operations.Health;

/// <summary>
/// Ready only while the store answers a real read (the newest configuration generation: one indexed
/// row). On SQLite the check opens its own unpooled, non-creating connection: a pooled connection
/// would keep reading a file that was moved or deleted, and a creating one would make an empty
/// database in its place. On PostgreSQL a pooled connection to a dropped database or a stopped
/// server fails, which is what the check is for.
/// </summary>
public sealed partial class StoreHealthCheck(StoreSettings store, IDbContextFactory<MailflowDbContext> contexts, ILogger<StoreHealthCheck> logger) : IHealthCheck
{
    private const string ProbeSql = """SELECT MAX("Number") FROM "ConfigurationGenerations" """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (store.Provider == DatabaseProvider.Sqlite)
                await ProbeSqliteAsync(cancellationToken);
            else
                await ProbeWithContextAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{store.Provider} store answers");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StoreUnreachable(logger, store.Provider.ToString(), ex);
            return HealthCheckResult.Unhealthy($"{store.Provider} store does not answer ({ex.GetType().Name})");
        }
    }

    private async Task ProbeSqliteAsync(CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder(store.ConnectionString) { Pooling = false, Mode = SqliteOpenMode.ReadWrite };
        await using var connection = new SqliteConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = ProbeSql;
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private async Task ProbeWithContextAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.ConfigurationGenerations.MaxAsync(g => (long?)g.Number, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(9000, LogLevel.Warning, "Not ready: the {Provider} store does not answer")]
        public static partial void StoreUnreachable(ILogger logger, string provider, Exception exception);
    }
}
