namespace Mailflow.Configuration;

/// <summary>
/// The organization's operations settings: one row, one JSON section per concern (alert thresholds and
/// notification, log retention), so a new setting needs no new column. The alert webhook's secret is the one
/// column of its own: encrypted with Data Protection, never shown back, exported or logged.
/// </summary>
public sealed class OperationsSettings : IConfigurationObject
{
    public const int SingletonId = 1;

    public int Key { get; set; } = SingletonId;
    public Guid Id => new("00000000-0000-0000-0000-000000000017");
    public AlertSettings Alerts { get; set; } = new();
    public LogRetentionSettings LogRetention { get; set; } = new();
    /// <summary>The webhook's signing secret, protected with ASP.NET Core Data Protection (<see cref="AlertWebhookSecretProtector"/>). Never shown back.</summary>
    [Sensitive]
    public string? AlertWebhookSecretProtected { get; set; }
    public int Revision { get; set; }

    public string DisplayName => "Operations settings";
}
