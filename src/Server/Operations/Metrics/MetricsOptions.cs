namespace Mailflow.Server.Operations.Metrics;

/// <summary>
/// <c>Mailflow:Metrics</c>: who may scrape <c>/metrics</c>. By default only a signed-in admin or an API key
/// (any admin role) may; Prometheus then sends <c>Authorization: Bearer mf_…</c> (a View-Only key is enough).
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Mailflow:Metrics";

    /// <summary>False: no <c>/metrics</c> endpoint at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>True: anyone who reaches the admin center's address may scrape <c>/metrics</c>. Off by default: the counters tell an outsider about the mail flow.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// A separate address for scrapers, e.g. <c>http://127.0.0.1:9464</c> or <c>http://10.0.0.5:9464</c>: the node
    /// listens there as well, serves only <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> on it, and answers
    /// <c>/metrics</c> there without sign-in (bind it to an address only the monitoring network reaches).
    /// Empty = none. Adds to <c>Urls</c>; with Kestrel endpoints configured in <c>Kestrel:Endpoints</c>, add it there.
    /// </summary>
    public string ListenUrl { get; set; } = "";

    /// <summary>The port of <see cref="ListenUrl"/>, or null when none is configured.</summary>
    public int? ListenPort =>
        string.IsNullOrWhiteSpace(ListenUrl) ? null
        : Uri.TryCreate(ListenUrl.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) && uri.Port > 0 ? uri.Port
        : throw new InvalidOperationException($"{Section}:ListenUrl '{ListenUrl}' is not a URL with a port, e.g. http://127.0.0.1:9464.");
}
