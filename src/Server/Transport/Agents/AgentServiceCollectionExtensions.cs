using Mailflow.Server.Transport.Agents.BuiltIn;

namespace Mailflow.Server.Transport.Agents;

public static class AgentServiceCollectionExtensions
{
    /// <summary>Registers a transport agent (a singleton) on the pipeline (<see cref="TransportAgentPipeline"/>, registered by the host); registering the same type twice is a no-op.</summary>
    public static IServiceCollection AddTransportAgent<TAgent>(this IServiceCollection services) where TAgent : class, ITransportAgent
    {
        if (services.Any(d => d.ServiceType == typeof(TAgent)))
            return services;
        services.AddSingleton<TAgent>();
        services.AddSingleton<ITransportAgent>(sp => sp.GetRequiredService<TAgent>());
        return services;
    }

    /// <summary>The protocol checks every node runs: relay, limits, send-as, AUTH failures, submission headers, end-of-data rules.</summary>
    public static IServiceCollection AddBuiltInTransportAgents(this IServiceCollection services) => services
        .AddTransportAgent<MessageLimitsAgent>()
        .AddTransportAgent<Loops.HopCountAgent>()
        .AddTransportAgent<RelayAgent>()
        .AddTransportAgent<SendAsAgent>()
        .AddTransportAgent<Quota.MailboxQuotaAgent>()
        .AddTransportAgent<AuthFailureLimitAgent>()
        .AddTransportAgent<SubmissionHeadersAgent>()
        .AddTransportAgent<EndOfDataRulesAgent>();
}
