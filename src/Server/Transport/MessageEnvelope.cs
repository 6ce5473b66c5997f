using System.Net;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport;

/// <summary>One accepted RCPT TO, with its DSN parameters.</summary>
/// <param name="Address">The forward-path mailbox, as received (local part case preserved, domain lower-cased).</param>
/// <param name="OriginalRecipient">RFC 3461 ORCPT, decoded (<c>rfc822;user@example.com</c> → type and address kept as given).</param>
public sealed record EnvelopeRecipient(string Address, DsnNotify Notify = DsnNotify.Unspecified, string? OriginalRecipient = null);

/// <summary>Who delivered the message to us.</summary>
public sealed record ClientInfo(
    IPAddress RemoteAddress,
    int RemotePort,
    IPEndPoint LocalEndPoint,
    string HeloName,
    string? AuthenticatedAs,
    string? TlsProtocol,
    string? TlsCipher);

/// <summary>
/// Everything the later stages need about how a message arrived. Built by the receive session at
/// DATA/BDAT time; stored with the message before the 250.
/// </summary>
public sealed record MessageEnvelope(
    /// <summary>Reverse-path; empty for the null sender <c>&lt;&gt;</c>.</summary>
    string Sender,
    IReadOnlyList<EnvelopeRecipient> Recipients,
    BodyType BodyType,
    bool SmtpUtf8,
    DsnReturn DsnReturn,
    string? DsnEnvelopeId,
    ClientInfo Client,
    Guid ReceiveConnectorId,
    string ReceiveConnectorName,
    DateTimeOffset ReceivedAt,
    string NodeName,
    Mailflow.Queue.MessageOrigin Origin = Mailflow.Queue.MessageOrigin.Smtp)
{
    /// <summary>RFC 8689 REQUIRETLS was given on MAIL FROM (over TLS): stored as <see cref="Mailflow.Queue.QueuedMessage.RequireTls"/>.</summary>
    public bool RequireTls { get; init; }
}
