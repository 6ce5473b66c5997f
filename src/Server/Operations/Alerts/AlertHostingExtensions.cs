using Mailflow.Server.Operations.Alerts.Conditions;

namespace Mailflow.Server.Operations.Alerts;

public static class AlertHostingExtensions
{
    /// <summary>The alert evaluator, its conditions and notifications (see docs/architecture.md "Operations").</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AlertOptions>(configuration.GetSection(AlertOptions.Section));
        services.AddHttpClient(AlertWebhook.HttpClientName);
        services.AddSingleton<IAlertCondition, QueueAlertConditions>();
        services.AddSingleton<IAlertCondition, NdrRateCondition>();
        services.AddSingleton<IAlertCondition, CertificateExpiryCondition>();
        services.AddSingleton<IAlertCondition, NodeHeartbeatCondition>();
        services.AddSingleton<IAlertCondition, DomainHealthCondition>();
        services.AddSingleton<IAlertCondition, BackPressureCondition>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<AlertMail>();
        services.AddSingleton<AlertWebhook>();
        services.AddSingleton<AlertNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertNotifier>());
        services.AddSingleton<AlertEvaluator>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertEvaluator>());
        return services;
    }
}
