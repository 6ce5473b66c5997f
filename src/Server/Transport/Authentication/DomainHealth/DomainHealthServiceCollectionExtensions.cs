using Mailflow.DomainHealth;
using Mailflow.Server.Transport.Authentication.Spf;
using Mailflow.Server.Transport.Route;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

public static class DomainHealthServiceCollectionExtensions
{
    /// <summary>The domain health checks over the node's DNS servers (uncached), "Check now" for the admin center and API, and the periodic worker.</summary>
    public static IServiceCollection AddDomainHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DomainHealthOptions>().Bind(configuration.GetSection(DomainHealthOptions.Section));
        services.AddSingleton(sp => new DomainHealthDns(new AuthenticationDns(MxResolver.CreateClient(sp.GetRequiredService<IOptions<DnsOptions>>().Value, useCache: false))));
        services.AddSingleton<SendingIdentityResolver>();
        services.AddSingleton<MtaStsPolicyFetcher>();
        services.AddSingleton<MxHealthCheck>();
        // The same SPF evaluation as inbound mail, over the uncached DNS.
        services.AddSingleton(sp => new SpfHealthCheck(sp.GetRequiredService<DomainHealthDns>(),
            new SpfEvaluator(sp.GetRequiredService<DomainHealthDns>().Dns, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<MailflowOptions>>().Value.ResolvedFqdn)));
        services.AddSingleton<DkimHealthCheck>();
        services.AddSingleton<DmarcHealthCheck>();
        services.AddSingleton<TransportSecurityHealthCheck>();
        services.AddSingleton<ReverseDnsHealthCheck>();
        services.AddSingleton<DomainHealthChecker>();
        services.AddSingleton<IDomainHealthChecker>(sp => sp.GetRequiredService<DomainHealthChecker>());
        services.AddSingleton<DomainHealthWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DomainHealthWorker>());
        return services;
    }
}
