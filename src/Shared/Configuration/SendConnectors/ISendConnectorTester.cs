namespace Mailflow.Configuration;

/// <summary>
/// Opens a real SMTP session to a send connector's next hop — connect, EHLO, STARTTLS per the connector's
/// TLS policy, AUTH if configured, QUIT — and reports what happened. Never sends a message. Implemented by
/// the server, which owns DNS and the SMTP client.
/// </summary>
public interface ISendConnectorTester
{
    /// <param name="testDomain">For a connector routed by DNS MX: the domain whose MX hosts to try.</param>
    Task<SendConnectorTestResult> TestAsync(Guid connectorId, string? testDomain, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of a connector test: one attempt per host tried, in order, until one worked.</summary>
/// <param name="Error">Why nothing could be tried (unknown connector, no MX records, no test domain); null otherwise.</param>
public sealed record SendConnectorTestResult(string? Error, IReadOnlyList<SendConnectorHostAttempt> Attempts)
{
    public bool Succeeded => Error is null && Attempts.Any(a => a.Succeeded);
    /// <summary>The test domain's MTA-STS policy and what the connector does with it; null when the connector does not look policies up.</summary>
    public string? TlsPolicy { get; init; }
}

/// <summary>One host's transcript. Holds no secret: the AUTH outcome is the server's reply, never the credentials.</summary>
public sealed record SendConnectorHostAttempt
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public bool Connected { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public string? TlsProtocol { get; init; }
    public string? CertificateSubject { get; init; }
    public string? CertificateIssuer { get; init; }
    public DateTimeOffset? CertificateNotBefore { get; init; }
    public DateTimeOffset? CertificateNotAfter { get; init; }
    /// <summary>"Not configured", "Succeeded", or the server's refusal.</summary>
    public string AuthOutcome { get; init; } = "Not configured";
    public TimeSpan Elapsed { get; init; }
    /// <summary>What the test domain's MTA-STS policy says of this host (named, certificate valid for the MX name); null without a policy.</summary>
    public string? TlsPolicyCheck { get; init; }
    /// <summary>What DANE (RFC 7672) makes of this MX host: its DNSSEC-validated TLSA records and whether the certificate matches, or why the host is skipped; null when the connector has DANE off.</summary>
    public string? DaneCheck { get; init; }
    public bool Succeeded => Connected && Error is null;
}
