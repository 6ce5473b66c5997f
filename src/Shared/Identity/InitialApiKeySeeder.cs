using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mailflow.Data;

namespace Mailflow.Identity;

/// <summary>Creates the Organization Management key named by <c>Mailflow:Admin:InitialApiKey</c>, for unattended provisioning. The key itself is never logged.</summary>
public sealed partial class InitialApiKeySeeder(ApiKeyService keys, IOptions<MailflowOptions> options, ILogger<InitialApiKeySeeder> logger) : IStartupSeeder
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var secret = options.Value.Admin.InitialApiKey;
        if (string.IsNullOrEmpty(secret))
            return;
        var key = await keys.EnsureConfiguredKeyAsync(secret, cancellationToken);
        if (key is null)
            InitialKeyRevoked(logger);
        else
            InitialKeyReady(logger, key.Name, key.Prefix);
    }

    [LoggerMessage(EventId = 9100, Level = LogLevel.Information, Message = "The initial API key from configuration is active as '{KeyName}' ({Prefix}…).")]
    private static partial void InitialKeyReady(ILogger logger, string keyName, string prefix);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Mailflow:Admin:InitialApiKey names a key an admin has revoked; it stays revoked. Remove it from the configuration.")]
    private static partial void InitialKeyRevoked(ILogger logger);
}
