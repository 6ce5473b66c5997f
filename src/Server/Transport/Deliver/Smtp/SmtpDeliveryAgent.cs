using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>
/// SMTP out with MailKit (RFC 5321 as a client; RFC 3207 STARTTLS; RFC 4954 AUTH; RFC 1870 SIZE;
/// RFC 6152 8BITMIME; RFC 3461 DSN parameters).
/// <para>Implementation summary: take an idle session of the next hop from the
/// <see cref="SmtpConnectionPool"/>, or connect to the target's hosts in order (MX preference or
/// smart host order) until one greets us, negotiates TLS as the connector's policy demands and, for
/// smart hosts with credentials, accepts AUTH (only over TLS: credentials never cross in clear).
/// Then one transaction for the batch: MAIL FROM with the stored sender and ENVID/RET, one RCPT per
/// recipient with NOTIFY/ORCPT as the client gave them (<see cref="DsnEnvelopeTransaction"/> when the
/// next hop advertises DSN; without DSN, RFC 3461 §5.2.2's "relayed" DSN is the notifier's), DATA with the stored message (MimeKit writes the parsed message back
/// byte for byte; re-encoded only for a server without 8BITMIME).</para>
/// <para>The remote's replies decide (style guideline 8): a refused RCPT fails or defers only that
/// recipient by its code class; a refused MAIL or DATA applies to every recipient still open;
/// connection-level failures (socket, I/O, protocol, TLS, timeout) defer the whole batch as a
/// connection failure. If the final reply to DATA is lost after the remote already stored the
/// message, we cannot know and retry — the unavoidable duplicate window of RFC 1047.</para>
/// </summary>
public sealed class SmtpDeliveryAgent(
    SmtpConnectionPool pool,
    SendProtocolLog sendLog,
    IOptions<MailflowOptions> options,
    ILogger<SmtpDeliveryAgent> logger,
    IOutboundMessageSigner? signer = null,
    ArcOutboundSealer? sealer = null,
    Route.RouteLoopDetector? loops = null,
    Mailflow.Server.Transport.AddressRewriting.OutboundAddressRewriter? rewriter = null,
    Tls.DaneTlsaLookup? dane = null,
    RemoteDomainContentShaper? shaper = null) : IDeliveryAgent
{
    private readonly string _spoolDirectory = Path.Combine(options.Value.ResolvedDataDirectory, "spool-tmp");

    public DeliveryTargetKind Kind => DeliveryTargetKind.Smtp;

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        var settings = batch.Target.Smtp;
        if (settings.MaxMessageSizeBytes > 0 && batch.Message.Size > settings.MaxMessageSizeBytes)
            return All(batch.Recipients, RecipientOutcomeKind.Permanent, DeliveryReplies.TooLargeForConnector(batch.Message.Size, settings.MaxMessageSizeBytes));

        DeliveryContent? content;
        try
        {
            content = await DeliveryContent.LoadAsync(batch, _spoolDirectory, cancellationToken);
        }
        catch (Exception exception) when ((exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested) && exception is not StoreUnavailableException)
        {
            DeliverLog.UnexpectedFailure(logger, batch.Message.QueueId, batch.Target.NextHopKey, exception);
            return All(batch.Recipients, RecipientOutcomeKind.Transient, DeliveryReplies.ContentMissing());
        }
        if (content is null)
            return All(batch.Recipients, RecipientOutcomeKind.Transient, DeliveryReplies.ContentMissing());

        await using (content)
        {
            // Address rewriting first (envelope sender and address fields of mail leaving the organization): the signature covers its result.
            var envelopeSender = batch.Message.Sender;
            if (rewriter is not null)
            {
                try
                {
                    envelopeSender = rewriter.Apply(batch.Message, batch.Recipients, content.Message).EnvelopeSender;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    DeliverLog.UnexpectedFailure(logger, batch.Message.QueueId, batch.Target.NextHopKey, exception);
                    return All(batch.Recipients, RecipientOutcomeKind.Transient, DeliveryReplies.LocalDeliveryFailed("address rewriting failed"));
                }
            }
            // Then the remote domain's character sets and line wrapping: also before the signature.
            if (shaper is not null)
            {
                try
                {
                    shaper.Apply(batch.Message, batch.Recipients, content.Message);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A preference, not a requirement: the message goes as it is.
                    DeliverLog.UnexpectedFailure(logger, batch.Message.QueueId, batch.Target.NextHopKey, exception);
                }
            }
            // DKIM last: nothing Mailflow changes after this point, so its own signature holds.
            if (signer is not null)
            {
                try
                {
                    signer.Sign(batch.Message, content.Message);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    DeliverLog.UnexpectedFailure(logger, batch.Message.QueueId, batch.Target.NextHopKey, exception);
                }
            }
            // Then our ARC set over the signed message, when we changed or forwarded it.
            if (sealer is not null)
            {
                try
                {
                    sealer.Seal(batch.Message, content.Message);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    DeliverLog.UnexpectedFailure(logger, batch.Message.QueueId, batch.Target.NextHopKey, exception);
                }
            }
            // What the sender asked of transport security (RFC 8689: REQUIRETLS, or TLS-Required: No).
            var tlsRequest = Tls.MessageTlsRequests.Of(batch.Message.RequireTls, content.Message.Headers);
            // An idle session may have been closed by the server since; if it fails before anything
            // was accepted, open a fresh one once.
            var reused = await pool.TakeAsync(batch.Target.NextHopKey);
            if (reused is not null && reused.TlsPolicyKey != PolicyKey(batch.Target, tlsRequest))
            {
                // Opened under another (or no) MTA-STS policy, or the connector's mode changed: check the hosts again.
                await reused.CloseAsync();
                reused = null;
            }
            if (reused is not null)
            {
                DeliverLog.Reusing(logger, reused.Host.ToString(), batch.Target.NextHopKey, reused.MessagesSent);
                var attempt = await SendAsync(reused, batch, envelopeSender, content.Message, cancellationToken);
                if (!attempt.StaleConnection)
                    return attempt.Outcomes;
            }

            var (connection, failure, lastHost) = await ConnectAnyAsync(batch.Target, tlsRequest, cancellationToken);
            if (connection is null)
                return All(batch.Recipients, failure.IsPermanent ? RecipientOutcomeKind.Permanent : RecipientOutcomeKind.Transient, failure, lastHost, connectionFailure: !failure.IsPermanent);
            return (await SendAsync(connection, batch, envelopeSender, content.Message, cancellationToken)).Outcomes;
        }
    }

    private sealed record SendAttempt(IReadOnlyList<RecipientOutcome> Outcomes, bool StaleConnection = false);

    private async Task<SendAttempt> SendAsync(PooledSmtpConnection connection, DeliveryBatch batch, string envelopeSender, MimeMessage message, CancellationToken cancellationToken)
    {
        var client = connection.Client;
        var host = connection.Host.Host;
        var settings = batch.Target.Smtp;
        var outcomes = new Dictionary<QueuedRecipient, RecipientOutcome>();

        if (batch.Message.SmtpUtf8 && !client.Capabilities.HasFlag(SmtpCapabilities.UTF8))
        {
            await pool.ReturnAsync(connection, settings.MaxMessagesPerConnection);
            return new SendAttempt(All(batch.Recipients, RecipientOutcomeKind.Permanent, DeliveryReplies.Utf8NotSupported(host), host));
        }
        if (client.Capabilities.HasFlag(SmtpCapabilities.Size) && client.MaxSize > 0 && batch.Message.Size > client.MaxSize)
        {
            await pool.ReturnAsync(connection, settings.MaxMessagesPerConnection);
            return new SendAttempt(All(batch.Recipients, RecipientOutcomeKind.Permanent, DeliveryReplies.TooLargeForRemote(batch.Message.Size, client.MaxSize), host));
        }

        var remoteHandlesDsn = client.Capabilities.HasFlag(SmtpCapabilities.Dsn);
        // RFC 8689 §4.2.1: the REQUIRETLS parameter travels on (MAIL FROM … REQUIRETLS); connections are only reused under the same request.
        client.RequireTLS = batch.Message.RequireTls;
        client.BeginMessage(batch.Message, batch.Recipients);
        var keepConnection = false;
        try
        {
            var response = await client.SendEnvelopeAsync(batch.Message, envelopeSender, batch.Recipients, message, cancellationToken);
            connection.MessagesSent++;
            keepConnection = true;
            var accepted = DeliveryReply.FromRemote(250, response);
            foreach (var recipient in client.Accepted)
                outcomes[recipient] = new RecipientOutcome(recipient, RecipientOutcomeKind.Delivered, accepted, host)
                {
                    RemoteHandlesDsn = remoteHandlesDsn,
                    TlsPolicyNote = connection.TlsPolicyNote,
                };
            AddRefused(client, outcomes, host);
        }
        catch (NoRecipientsAcceptedException)
        {
            AddRefused(client, outcomes, host);
        }
        catch (SmtpCommandException exception)
        {
            // The remote refused MAIL FROM or DATA (or the session, 421): that reply holds for every
            // recipient not already decided by its own RCPT reply.
            AddRefused(client, outcomes, host);
            var reply = DeliveryReply.FromRemote((int)exception.StatusCode, exception.Message);
            var kind = reply.IsPermanent ? RecipientOutcomeKind.Permanent : RecipientOutcomeKind.Transient;
            foreach (var recipient in batch.Recipients.Where(r => !outcomes.ContainsKey(r)))
                outcomes[recipient] = new RecipientOutcome(recipient, kind, reply, host, ConnectionFailure: exception.StatusCode == SmtpStatusCode.ServiceNotAvailable);
        }
        catch (Exception exception) when (IsConnectionFailure(exception) && !cancellationToken.IsCancellationRequested)
        {
            await connection.CloseAsync();
            if (connection.MessagesSent > 0 && client.Accepted.Count == 0 && client.Refused.Count == 0)
                return new SendAttempt([], StaleConnection: true);
            DeliverLog.ConnectionLost(logger, batch.Message.QueueId, host, exception);
            return new SendAttempt(All(batch.Recipients, RecipientOutcomeKind.Transient, DeliveryReplies.ConnectionLost($"{host}: {exception.Message}"), host, connectionFailure: true));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Unclassified: never bounce on a bug; defer and log the cause.
            DeliverLog.UnexpectedFailure(logger, batch.Message.QueueId, batch.Target.NextHopKey, exception);
            await connection.CloseAsync();
            return new SendAttempt(All(batch.Recipients, RecipientOutcomeKind.Transient, DeliveryReplies.LocalDeliveryFailed(exception.GetType().Name), host));
        }
        catch
        {
            await connection.CloseAsync();
            throw;
        }

        if (keepConnection)
            await pool.ReturnAsync(connection, settings.MaxMessagesPerConnection);
        else
            await connection.CloseAsync();

        var result = batch.Recipients.Select(r => outcomes.TryGetValue(r, out var o) ? o
            : new RecipientOutcome(r, RecipientOutcomeKind.Transient, DeliveryReplies.LocalDeliveryFailed("the server gave no reply for this recipient"), host)).ToList();
        DeliverLog.BatchDone(logger, batch.Message.QueueId,
            result.Count(o => o.Kind == RecipientOutcomeKind.Delivered), result.Count(o => o.Kind == RecipientOutcomeKind.Transient),
            result.Count(o => o.Kind == RecipientOutcomeKind.Permanent), batch.Target.NextHopKey, host);
        return new SendAttempt(result);
    }

    private static void AddRefused(EnvelopeSmtpClient client, Dictionary<QueuedRecipient, RecipientOutcome> outcomes, string host)
    {
        foreach (var (recipient, response) in client.Refused)
        {
            var reply = DeliveryReply.FromRemote((int)response.StatusCode, response.Response);
            outcomes[recipient] = new RecipientOutcome(recipient, reply.IsPermanent ? RecipientOutcomeKind.Permanent : RecipientOutcomeKind.Transient, reply, host);
        }
    }

    /// <summary>Connects to the first host that takes us, down the list (failover). Returns the last host's failure when none does.</summary>
    /// <remarks>
    /// A REQUIRETLS message (RFC 8689 §4.2.1) needs STARTTLS, a verified certificate (DANE, the MTA-STS
    /// policy's check, or a chain to a trusted root with the host's name) and a server that advertises
    /// REQUIRETLS; when every host fails one of these, the failure is permanent (5.7.30). A message with
    /// <c>TLS-Required: No</c> (§4.2.2) is delivered without the recipient domain's MTA-STS and DANE policies.
    /// </remarks>
    private async Task<(PooledSmtpConnection? Connection, DeliveryReply Failure, string? Host)> ConnectAnyAsync(
        DeliveryTarget target, Tls.MessageTlsRequest tlsRequest, CancellationToken cancellationToken)
    {
        var settings = target.Smtp;
        var requireTls = tlsRequest == Tls.MessageTlsRequest.RequireTls;
        var ignorePolicies = tlsRequest == Tls.MessageTlsRequest.IgnoreRecipientPolicy;
        var sts = ignorePolicies ? null : target.MtaSts;
        var ignoredNote = ignorePolicies && (target.MtaSts is not null || settings.Dane) ? Tls.MessageTlsRequests.Describe(tlsRequest) : null;
        var failure = DeliveryReplies.ConnectionFailed("the next hop has no hosts");
        string? lastHost = null;
        var requireTlsFailures = 0;
        var hostsTried = 0;
        foreach (var host in target.Hosts)
        {
            hostsTried++;
            lastHost = host.Host;
            var mxName = host.MxName ?? host.Host;
            var stsNotes = new List<string>();
            if (sts?.RefuseHost(mxName) is { } notNamed)
            {
                if (sts.Enforced)
                {
                    failure = DeliveryReplies.MtaStsNotMet(sts.Domain, notNamed);
                    DeliverLog.MtaStsRefused(logger, sts.Domain, host.ToString(), notNamed);
                    continue;
                }
                stsNotes.Add(notNamed);
            }
            // A smart host or MX that is this node itself: never connect to ourselves (the message would circle).
            if (loops?.Check(host.Host, host.Port) is { } loop)
            {
                failure = DeliveryReplies.RoutesBackToThisServer(loop);
                DeliverLog.HostFailed(logger, host.ToString(), target.NextHopKey, failure.ToString());
                continue;
            }
            // DANE (RFC 7672): DNSSEC-validated TLSA records of this MX host make TLS and a matching certificate mandatory.
            Tls.DaneRequirement? daneRequirement = null;
            string? daneNote = null;
            if (settings.Dane && !ignorePolicies && dane is not null && host.MxName is not null)
            {
                var found = await dane.LookupAsync(mxName, host.Port, cancellationToken);
                if (found.Failure is { } unknown)
                {
                    // RFC 7672 §2.2: the records may exist and be hidden from us; neither TLS without them nor clear text will do.
                    failure = DeliveryReplies.DaneNotMet(Tls.DaneTlsaLookup.NameFor(mxName, host.Port), unknown);
                    DeliverLog.HostFailed(logger, host.ToString(), target.NextHopKey, failure.ToString());
                    continue;
                }
                (daneRequirement, daneNote) = (found.Requirement, found.Note);
            }
            var daneAuthenticates = daneRequirement is { Usable.Count: > 0 };
            // REQUIRETLS without DANE to authenticate: the certificate must chain to a trusted root and name the host (MTA-STS's check, RFC 8461 §4.2).
            var verifyName = sts is null && settings.TlsCertificateDomain is { Length: > 0 } configuredName ? configuredName : mxName;
            var sessionLog = sendLog.StartSession(settings.ConnectorName ?? target.NextHopKey);
            var client = new EnvelopeSmtpClient(sessionLog is null ? new NullProtocolLogger() : sessionLog)
            {
                Timeout = (int)settings.CommandTimeout.TotalMilliseconds,
                LocalDomain = settings.HeloName,
                CheckCertificateRevocation = false,
            };
            CertificateProblem? certificateProblem = null;
            CertificateProblem? daneProblem = null;
            client.ServerCertificateValidationCallback = daneAuthenticates || (daneRequirement is not null && !requireTls)
                // DANE replaces certificate authority validation for this host (RFC 7672 §3; RFC 8461 §2).
                ? (_, certificate, chain, _) => (daneProblem = daneRequirement!.Check(certificate, chain, mxName)) is null
                : requireTls
                    ? (_, certificate, _, _) => (certificateProblem = OutboundCertificateValidator.Check(certificate, verifyName, settings.TrustedRoots)) is null
                    : sts is null
                        ? OutboundCertificateValidator.For(settings, host.Host)
                        : OutboundCertificateValidator.ForPolicy(settings, host.Host, mxName, sts.Enforced, problem => certificateProblem = problem);
            try
            {
                // An enforced policy, DANE or REQUIRETLS needs STARTTLS whatever the connector says (RFC 8461 §4.2, RFC 7672 §2.2, RFC 8689 §4.2.1).
                var tls = settings.TlsPolicy == OutboundTlsPolicy.Opportunistic && sts is not { Enforced: true } && daneRequirement is null && !requireTls
                    ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.StartTls;
                var socket = await ConnectSocketAsync(host.Host, host.Port, settings.CommandTimeout, loops, cancellationToken);
                sessionLog?.Attach(socket);
                try
                {
                    // Under a policy the MX name is the TLS server name (SNI), also when connecting by address.
                    await client.ConnectAsync(socket, sts is null && daneRequirement is null && !requireTls ? host.Host : mxName, host.Port, tls, cancellationToken);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                if (settings.Credentials is { } credentials)
                {
                    // RFC 4954 §4 leaves it to us; we never send a password over an unencrypted session,
                    // nor to a server whose certificate was not validated (a connector saved before that rule).
                    if (!client.IsSecure || !client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                        throw new AuthenticationException($"{host} offers no AUTH over TLS");
                    if (settings.TlsPolicy != OutboundTlsPolicy.RequiredWithCertificateValidation)
                        throw new AuthenticationException($"The password for {host} is only sent with certificate validation: set the connector's TLS policy to require it");
                    await client.AuthenticateAsync(credentials, cancellationToken);
                }
                if (requireTls && !client.Capabilities.HasFlag(SmtpCapabilities.RequireTLS))
                    throw new RequireTlsNotOfferedException($"{mxName} does not advertise REQUIRETLS");
                DeliverLog.Connected(logger, host.ToString(), target.NextHopKey, client.IsSecure);
                string? note = daneNote;
                if (daneRequirement is not null)
                {
                    note = daneRequirement.Usable.Count > 0
                        ? $"{daneRequirement.Describe()}: the certificate of {mxName} matches"
                        : $"{daneRequirement.Describe()}: TLS required, no usable TLSA record to authenticate with";
                    if (sts is not null)
                        note += $"; {sts.Describe()} not applied to this host (DANE takes precedence, RFC 8461 §2)";
                }
                else if (sts is not null)
                {
                    if (!client.IsSecure)
                        stsNotes.Add($"{mxName} does not offer STARTTLS");
                    else if (certificateProblem is not null)
                        stsNotes.Add(certificateProblem.Text);
                    note = stsNotes.Count == 0
                        ? $"{sts.Describe()}: {mxName} is named by the policy and its certificate is valid"
                        : $"{sts.Describe()}: {string.Join("; ", stsNotes)} (not enforced: delivered anyway)";
                    if (stsNotes.Count > 0)
                        DeliverLog.MtaStsTestingViolation(logger, target.NextHopKey, sts.Domain, string.Join("; ", stsNotes));
                }
                if (requireTls)
                {
                    var verifiedBy = daneAuthenticates ? "DANE" : sts is not null ? "the MTA-STS policy's certificate check" : $"certificate validation (a trusted root, name {verifyName})";
                    note = JoinNotes($"REQUIRETLS (RFC 8689): TLS to {mxName} verified by {verifiedBy}, and it advertises REQUIRETLS", note);
                }
                note = JoinNotes(ignoredNote, note);
                return (new PooledSmtpConnection(client, host, target.NextHopKey) { TlsPolicyNote = note, TlsPolicyKey = PolicyKey(target, tlsRequest) }, failure, host.Host);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                client.Dispose();
                throw;
            }
            catch (Exception exception)
            {
                failure = exception switch
                {
                    RouteLoopException loopBack => DeliveryReplies.RoutesBackToThisServer(loopBack.Message),
                    NotSupportedException when settings.TlsPolicy != OutboundTlsPolicy.Opportunistic => DeliveryReplies.TlsNotOffered(host.ToString()),
                    SslHandshakeException => DeliveryReplies.TlsFailed(host.ToString(), exception.Message),
                    AuthenticationException => DeliveryReplies.AuthenticationFailed(host.ToString()),
                    SmtpCommandException command => DeliveryReplies.ConnectionFailed($"{host} refused the session: {(int)command.StatusCode} {command.Message}"),
                    _ => DeliveryReplies.ConnectionFailed($"{host}: {exception.Message}"),
                };
                if (sts is { Enforced: true } && exception is not RouteLoopException)
                {
                    // Say which policy stood in the way, and what it found.
                    var reason = exception switch
                    {
                        NotSupportedException => $"{mxName} does not offer STARTTLS",
                        SslHandshakeException when certificateProblem is not null => certificateProblem.Text,
                        _ => null,
                    };
                    if (reason is not null)
                        failure = DeliveryReplies.MtaStsNotMet(sts.Domain, reason);
                }
                if (daneRequirement is not null && exception is NotSupportedException or SslHandshakeException)
                    failure = DeliveryReplies.DaneNotMet(daneRequirement.TlsaName,
                        exception is NotSupportedException ? $"{mxName} does not offer STARTTLS" : daneProblem?.Text ?? exception.Message);
                if (requireTls && exception is NotSupportedException or SslHandshakeException or RequireTlsNotOfferedException)
                {
                    requireTlsFailures++;
                    failure = DeliveryReplies.RequireTlsNotMet(exception switch
                    {
                        NotSupportedException => $"{mxName} does not offer STARTTLS",
                        RequireTlsNotOfferedException => exception.Message,
                        _ => daneProblem?.Text ?? certificateProblem?.Text ?? $"the TLS handshake with {mxName} failed: {exception.Message}",
                    });
                }
                DeliverLog.HostFailed(logger, host.ToString(), target.NextHopKey, failure.ToString());
                try
                {
                    if (client.IsConnected)
                        await client.DisconnectAsync(quit: false, CancellationToken.None);
                }
                catch (Exception disconnect) when (IsConnectionFailure(disconnect))
                {
                    // Already gone.
                }
                client.Dispose();
            }
        }
        // RFC 8689 §4.2.1: returned only when no host could take it with REQUIRETLS; otherwise a later attempt may find one that can.
        if (requireTlsFailures > 0 && requireTlsFailures < hostsTried && failure.IsPermanent)
            failure = failure with { Code = 451, EnhancedCode = "4.7.30", Text = failure.Text + "; another host may take it later" };
        return (null, failure, lastHost);
    }

    private static string? JoinNotes(string? first, string? second) =>
        first is null ? second : second is null ? first : $"{first}; {second}";

    /// <summary>
    /// A connected socket with Nagle's algorithm off. MailKit writes DATA's content in buffer-sized
    /// pieces; with Nagle on, the last piece (and the terminating ".") waits for the ACK of the one
    /// before it, which the receiver delays by up to 40 ms (RFC 1122 §4.2.3.2 delayed ACK): that was
    /// most of every relayed message's time on the wire (bench/README.md, "End-to-end relay").
    /// Addresses are tried in the order the resolver returns them, as MailKit does.
    /// </summary>
    private static async Task<Socket> ConnectSocketAsync(string host, int port, TimeSpan timeout, Route.RouteLoopDetector? loops, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, limit.Token);
            if (addresses.Length == 0)
                throw new SocketException((int)SocketError.HostNotFound);
            SocketException? last = null;
            string? loop = null;
            foreach (var address in addresses)
            {
                if (loops?.Check(address, port) is { } reason)
                {
                    loop = $"{host} resolves to {reason}";
                    continue;
                }
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(address, port, limit.Token);
                    return socket;
                }
                catch (SocketException exception)
                {
                    socket.Dispose();
                    last = exception;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            throw last ?? (Exception)new RouteLoopException(loop!);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"connecting to {host}:{port} took longer than {timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The TLS policies a connection was opened under: a pooled session is reused only under the same ones.</summary>
    private static string? PolicyKey(DeliveryTarget target, Tls.MessageTlsRequest request) =>
        target.MtaSts is null && !target.Smtp.Dane && request == Tls.MessageTlsRequest.Default
            ? null : $"{target.MtaSts?.Describe()}|dane={target.Smtp.Dane}|{request}";

    private static bool IsConnectionFailure(Exception exception) => exception is
        SmtpProtocolException or IOException or SocketException or TimeoutException or SslHandshakeException
        or ServiceNotConnectedException or ObjectDisposedException
        // MailKit's command timeout surfaces as a cancellation that the caller did not ask for.
        or OperationCanceledException;

    internal static IReadOnlyList<RecipientOutcome> All(
        IEnumerable<QueuedRecipient> recipients, RecipientOutcomeKind kind, DeliveryReply reply, string? host = null, bool connectionFailure = false) =>
        recipients.Select(r => new RecipientOutcome(r, kind, reply, host, connectionFailure)).ToList();
}

/// <summary>A REQUIRETLS message's next hop did not advertise REQUIRETLS after STARTTLS (RFC 8689 §4.2.1).</summary>
internal sealed class RequireTlsNotOfferedException(string reason) : Exception(reason);

/// <summary>Every address of a host is one of this node's own listeners.</summary>
internal sealed class RouteLoopException(string reason) : Exception(reason);
