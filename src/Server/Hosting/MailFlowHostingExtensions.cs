using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Route;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Hosting;

public static class MailFlowHostingExtensions
{
    /// <summary>
    /// The mail flow decisions as services: recipient resolution, mail flow rules, next-hop selection
    /// for this node, and MX lookup against <c>Mailflow:Dns</c> (validated at start: a bad server entry
    /// stops the host with a message naming it). Needs <c>AddMailflowCore</c> (options, TimeProvider).
    /// </summary>
    public static IServiceCollection AddMailFlowDecisions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DnsOptions>()
            .Bind(configuration.GetSection(DnsOptions.Section))
            .Validate(o => TryParseServers(o), $"{DnsOptions.Section}:Servers holds an entry that is not an IP address with an optional port.")
            .ValidateOnStart();
        services.AddSingleton(new RecipientResolverOptions());
        services.AddSingleton<RecipientResolver>();
        services.AddSingleton<TransportRuleEvaluator>();
        services.AddSingleton(sp => new NextHopResolver(sp.GetRequiredService<IOptions<MailflowOptions>>().Value.ResolvedNodeName));
        // One DNS client per node (resolvers from Mailflow:Dns, answers cached per TTL, TCP on truncation):
        // MX routing and every agent that asks DNS (SPF, DKIM, DMARC, block lists) share it.
        services.AddSingleton<DnsClient.ILookupClient>(sp => MxResolver.CreateClient(sp.GetRequiredService<IOptions<DnsOptions>>().Value));
        services.AddSingleton(sp => new MxResolver(sp.GetRequiredService<DnsClient.ILookupClient>(), sp.GetService<ILogger<MxResolver>>()));
        services.AddSingleton(sp => new Transport.Authentication.AuthenticationDns(sp.GetRequiredService<DnsClient.ILookupClient>()));
        return services;
    }

    private static bool TryParseServers(DnsOptions options)
    {
        try
        {
            options.ParseServers();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
