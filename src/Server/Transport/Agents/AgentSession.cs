using System.Net;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// What agents know about one SMTP session: who connected where, what they said so far, and the
/// configuration generation the session started with. The receive session (or the "Test mail flow"
/// page, with <see cref="IsWhatIf"/>) fills it in as the conversation goes on; agents read it and may
/// set session <see cref="Tags"/>.
/// </summary>
public sealed class AgentSession
{
    public required string SessionId { get; init; }
    /// <summary>The receive connector's settings, frozen when the session started.</summary>
    public required ReceivePolicy Policy { get; init; }
    /// <summary>The configuration generation the session runs on (never the database).</summary>
    public required TransportConfig Snapshot { get; init; }
    public required IPAddress ClientAddress { get; init; }
    public int ClientPort { get; init; }
    public IPEndPoint? LocalEndPoint { get; init; }
    public DateTimeOffset ConnectedAt { get; init; }

    /// <summary>
    /// True when the pipeline runs for "Test mail flow": agents decide exactly as for a real session
    /// but change nothing (no counters, no throttles, no reports, no learning).
    /// </summary>
    public bool IsWhatIf { get; init; }

    /// <summary>The client's unread input, as far as agents may know it; null when there is no connection ("Test mail flow").</summary>
    public IClientInputProbe? ClientInput { get; init; }

    /// <summary>HELO/EHLO argument once given.</summary>
    public string? HeloName { get; set; }
    public bool Extended { get; set; }
    /// <summary>TLS protocol once TLS is active (e.g. "Tls13").</summary>
    public string? TlsProtocol { get; set; }
    /// <summary>The authenticated submitter, once AUTH succeeded.</summary>
    public SubmissionIdentity? Identity { get; set; }
    /// <summary>Failed AUTH exchanges in this session.</summary>
    public int AuthFailures { get; set; }
    /// <summary>Messages accepted in this session so far.</summary>
    public int MessagesAccepted { get; set; }

    public Guid ConnectorId => Policy.ConnectorId;
    public string ConnectorName => Policy.ConnectorName;
    public bool IsAuthenticated => Identity is not null;
    public bool TlsActive => TlsProtocol is not null;
    /// <summary>What the session may do now (permission groups of the connector, authenticated or not).</summary>
    public ReceiveRights Rights => Policy.RightsFor(IsAuthenticated);

    /// <summary>Session-level facts (e.g. <see cref="AgentTagNames.ConnectionAllowed"/>); message tags live on <see cref="AgentMessage"/>.</summary>
    public AgentTags Tags { get; } = new();
}
