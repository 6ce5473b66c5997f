using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.Authentication;
using Mailflow.Server.Transport.Authentication.Arc;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.DomainHealth;
using Mailflow.Server.Transport.Authentication.PublicSuffix;
using Mailflow.Server.Transport.Authentication.Spf;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Authentication;

public static class AuthenticationServiceCollectionExtensions
{
    /// <summary>SPF, DKIM and DMARC evaluators over the node's DNS client, and the agent that runs them at end of DATA. Needs <c>AddMailFlowDecisions</c> (the DNS client).</summary>
    public static IServiceCollection AddSenderAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthenticationOptions>().Bind(configuration.GetSection(AuthenticationOptions.Section));
        services.TryAddSingleton(sp => new SpfEvaluator(sp.GetRequiredService<AuthenticationDns>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<MailflowOptions>>().Value.ResolvedFqdn));
        services.TryAddSingleton<DkimSignatureVerifier>();
        services.TryAddSingleton(sp => new PublicSuffixListProvider(sp.GetRequiredService<IOptions<AuthenticationOptions>>().Value.PublicSuffixListPath,
            sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<PublicSuffixListProvider>>()));
        services.TryAddSingleton(sp => new DmarcEvaluator(sp.GetRequiredService<AuthenticationDns>(), sp.GetRequiredService<PublicSuffixListProvider>()));
        services.TryAddSingleton<ArcChainVerifier>();
        services.TryAddSingleton<SenderAuthenticator>();
        services.TryAddSingleton<Dmarc.Reports.DmarcObservationCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<Dmarc.Reports.DmarcObservationCollector>());
        services.AddSingleton<Dmarc.Reports.DmarcReportSender>();
        services.AddHostedService(sp => sp.GetRequiredService<Dmarc.Reports.DmarcReportSender>());
        services.AddTransportAgent<SenderAuthenticationAgent>();
        services.AddTransportAgent<Agents.DmarcReports.DmarcReportIntakeAgent>();
        services.AddDomainHealth(configuration);
        return services;
    }
}
