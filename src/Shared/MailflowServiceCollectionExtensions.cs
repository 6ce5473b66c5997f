using Mailflow.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow;

public static class MailflowServiceCollectionExtensions
{
    /// <summary>The store, process options, configuration services and the live configuration snapshot.</summary>
    public static IServiceCollection AddMailflowCore(this IServiceCollection services, IConfiguration configuration, StoreSettings store)
    {
        services.AddOptions<MailflowOptions>().Bind(configuration.GetSection(MailflowOptions.Section));
        services.AddSingleton(store);
        services.AddSingleton(TimeProvider.System);
        services.AddDbContextFactory<MailflowDbContext>(o => store.Configure(o));
        return services;
    }
}
