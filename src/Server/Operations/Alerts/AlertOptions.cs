namespace Mailflow.Server.Operations.Alerts;

/// <summary><c>Mailflow:Alerts</c>: how often this node evaluates the alert conditions and how its webhook retries. The thresholds are admin-managed (operations settings).</summary>
public sealed class AlertOptions
{
    public const string Section = "Mailflow:Alerts";

    /// <summary>Between two evaluations.</summary>
    public double EvaluationIntervalSeconds { get; set; } = 60;

    /// <summary>The first webhook retry waits this long; each further one twice as long.</summary>
    public double WebhookRetryBaseSeconds { get; set; } = 10;

    /// <summary>Webhook attempts per notification before it is given up (and logged).</summary>
    public int WebhookMaxAttempts { get; set; } = 6;

    /// <summary>Per webhook request.</summary>
    public double WebhookTimeoutSeconds { get; set; } = 10;
}
