using Mailflow.Server.Transport.Agents.AntiMalware;
using Mailflow.Server.Transport.Agents.AntiSpam;
using Mailflow.Server.Transport.Agents.ConnectionFiltering;
using Mailflow.Server.Transport.Agents.SenderFiltering;
using Mailflow.Server.Transport.Agents.Throttling;

namespace Mailflow.Server.Transport.Agents;

public static class ProtectionServiceCollectionExtensions
{
    /// <summary>The protection agents (rate limits, connection filtering, sender filtering, anti-spam, anti-malware). Needs the node's DNS client (<c>AddMailFlowDecisions</c>).</summary>
    public static IServiceCollection AddProtectionAgents(this IServiceCollection services)
    {
        services.AddSingleton<SenderBlocks>();
        services.AddTransportAgent<RateLimitAgent>();
        services.AddSingleton<DnsBlockListLookup>();
        services.AddTransportAgent<IpListAgent>();
        services.AddTransportAgent<DnsBlockListAgent>();
        services.AddTransportAgent<PreGreetingAgent>();
        services.AddTransportAgent<SenderFilterAgent>();
        // Rspamd's own time limit comes from the settings per call; the HttpClient's is only a ceiling.
        services.AddHttpClient<RspamdClient>(client => client.Timeout = TimeSpan.FromMinutes(5));
        services.AddTransportAgent<AntiSpamAgent>();
        services.AddSingleton<ClamdClient>();
        services.AddTransportAgent<AntiMalwareAgent>();
        return services;
    }
}
