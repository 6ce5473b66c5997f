using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace Mailflow.Data;

/// <summary>Which store this node uses: <c>Database:Provider</c> (Sqlite | Postgres) and <c>ConnectionStrings:Mailflow</c>.</summary>
public sealed record StoreSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string SqliteMigrationsAssembly = "Mailflow.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "Mailflow.Migrations.Postgres";

    public static StoreSettings FromConfiguration(IConfiguration configuration, MailflowOptions options)
    {
        var providerText = configuration["Database:Provider"];
        var provider = string.IsNullOrWhiteSpace(providerText)
            ? DatabaseProvider.Sqlite
            : Enum.TryParse<DatabaseProvider>(providerText, ignoreCase: true, out var p)
                ? p
                : throw new InvalidOperationException($"Database:Provider '{providerText}' is not supported; use Sqlite or Postgres.");
        var connectionString = configuration.GetConnectionString("Mailflow");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider == DatabaseProvider.Postgres)
                throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:Mailflow is empty (e.g. ConnectionStrings__Mailflow='Host=127.0.0.1;Database=mailflow;Username=mailflow;Password=…').");
            connectionString = $"Data Source={Path.Combine(options.ResolvedDataDirectory, "mailflow.db")}";
        }
        return new StoreSettings(provider, connectionString);
    }

    public DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder) => Provider switch
    {
        DatabaseProvider.Sqlite => builder.UseSqlite(ConnectionString, x => x.MigrationsAssembly(SqliteMigrationsAssembly)),
        DatabaseProvider.Postgres => builder.UseNpgsql(ConnectionString, x => x.MigrationsAssembly(PostgresMigrationsAssembly)),
        _ => throw new ArgumentOutOfRangeException(nameof(Provider)),
    };

    /// <summary>The connection string with any password removed, for logs and the admin center.</summary>
    public string RedactedConnectionString =>
        string.Join(';', ConnectionString.Split(';').Where(part => !part.TrimStart().StartsWith("Password", StringComparison.OrdinalIgnoreCase)));
}
