using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Route;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// The admin center's "Test connector": for each next hop of a send connector (smart hosts in order, or the
/// test domain's MX hosts), connect with MailKit, EHLO, STARTTLS as the TLS policy says (RFC 3207), AUTH
/// when the connector has credentials (RFC 4954), then QUIT. Stops at the first host that completes.
/// Nothing is ever sent, and the password only goes to the remote server, never into the result or a log.
/// </summary>
public sealed class SendConnectorTester(
    SendConnectorService connectors,
    SmartHostPasswordProtector passwords,
    MxResolver mxResolver,
    IOptions<MailflowOptions> mailflow,
    TimeProvider time,
    RouteLoopDetector? loops = null,
    Tls.MtaStsPolicyCache? mtaSts = null,
    Tls.OutboundTlsTrust? trust = null,
    IOptions<DnsOptions>? dns = null,
    Tls.DaneTlsaLookup? dane = null) : ISendConnectorTester
{
    private static readonly TimeSpan PerHostTimeout = TimeSpan.FromSeconds(30);

    public async Task<SendConnectorTestResult> TestAsync(Guid connectorId, string? testDomain, CancellationToken cancellationToken = default)
    {
        var connector = await connectors.GetAsync(connectorId, cancellationToken);
        if (connector is null)
            return new SendConnectorTestResult("That send connector no longer exists.", []);

        List<(string Host, int Port, string? MxName)> hops;
        Tls.MtaStsRequirement? sts = null;
        string? policyText = null;
        if (connector.RoutingMethod == SendRoutingMethod.SmartHost)
        {
            hops = [];
            foreach (var text in connector.SmartHosts)
                if (SmartHostRules.TryParse(text, out var host, out var port, out _))
                    hops.Add((host, port ?? connector.Port, null));
        }
        else
        {
            if (string.IsNullOrWhiteSpace(testDomain) || !DomainNameRules.TryNormalize(testDomain, out var domain, out _))
                return new SendConnectorTestResult("Enter a test domain: this connector looks up MX records, so it needs a recipient domain to find the next hop.", []);
            var resolution = await mxResolver.ResolveAsync(domain, cancellationToken);
            if (resolution.Status != MxResolutionStatus.Resolved)
                return new SendConnectorTestResult($"MX lookup for {domain} failed: {resolution.Reason ?? resolution.Status.ToString()}", []);
            // As delivery does (MxHostLookup): by address when Mailflow uses its own DNS servers, the MX name for TLS.
            var byAddress = dns?.Value.Servers.Count > 0;
            hops = [.. resolution.Hosts.Select(h => (byAddress && !h.Addresses.IsEmpty ? h.Addresses[0].ToString() : h.Name.TrimEnd('.'), connector.Port, (string?)h.Name.TrimEnd('.')))];
            (sts, policyText) = await MtaStsAsync(connector, domain, cancellationToken);
        }
        if (hops.Count == 0)
            return new SendConnectorTestResult("The connector has no next hop to try.", []);

        var attempts = new List<SendConnectorHostAttempt>();
        foreach (var (host, port, mxName) in hops)
        {
            // As delivery does: an MX host's TLSA records (DANE, RFC 7672) when the connector has DANE on.
            var daneLookup = connector.Dane && dane is not null && mxName is not null ? await dane.LookupAsync(mxName, port, cancellationToken) : null;
            var attempt = await TryHostAsync(connector, host, port, mxName, sts, daneLookup, cancellationToken);
            attempts.Add(attempt);
            if (attempt.Succeeded)
                break;
        }
        return new SendConnectorTestResult(null, attempts) { TlsPolicy = policyText };
    }

    /// <summary>The test domain's MTA-STS policy, fetched afresh, as delivery would apply it (<see cref="NextHopKeyTargetResolver"/>).</summary>
    private async Task<(Tls.MtaStsRequirement? Requirement, string? Text)> MtaStsAsync(SendConnector connector, string domain, CancellationToken cancellationToken)
    {
        if (mtaSts is null || connector.MtaSts == MtaStsOutboundMode.Off)
            return (null, mtaSts is null ? null : "MTA-STS is off for this connector: recipient domains' policies are not looked up.");
        var lookup = await mtaSts.GetAsync(domain, refresh: true, cancellationToken);
        if (lookup.Policy is not { Mode: not Authentication.DomainHealth.MtaStsMode.None } policy)
            return (null, lookup.Describe() + ".");
        var enforced = connector.MtaSts == MtaStsOutboundMode.Enforce && policy.Mode == Authentication.DomainHealth.MtaStsMode.Enforce;
        var meaning = enforced
            ? "This connector enforces it: only the hosts it names, over TLS with a trusted certificate for the MX name; otherwise mail waits (451 4.7.5)."
            : "This connector only reports it: violations are logged and traced, mail is delivered as the TLS setting says.";
        return (new Tls.MtaStsRequirement(lookup.Domain, policy, lookup.Id!, enforced), $"{lookup.Describe()}. {meaning}");
    }

    private async Task<SendConnectorHostAttempt> TryHostAsync(SendConnector connector, string host, int port, string? mxName, Tls.MtaStsRequirement? sts,
        Tls.DaneLookup? daneLookup, CancellationToken cancellationToken)
    {
        var stsName = mxName ?? host;
        var tlsaName = Tls.DaneTlsaLookup.NameFor(stsName, port);
        if (daneLookup?.Failure is not null)
            return new SendConnectorHostAttempt { Host = host, Port = port, Error = daneLookup.Describe(tlsaName) + ".", DaneCheck = daneLookup.Describe(tlsaName) + "." };
        if (sts?.RefuseHost(stsName) is { } notNamed && sts.Enforced)
            return new SendConnectorHostAttempt { Host = host, Port = port, Error = $"{notNamed}: delivery skips this host.", TlsPolicyCheck = notNamed };
        var daneRequirement = daneLookup?.Requirement;
        Smtp.CertificateProblem? daneProblem = null;
        // DANE takes precedence over MTA-STS for this host (RFC 8461 §2), as in delivery.
        if (daneRequirement is not null)
            sts = null;
        Smtp.CertificateProblem? certificateProblem = null;
        // Delivery never connects to this server itself (a routing loop); the test says so instead of greeting ourselves.
        if (loops?.Check(host, port) is { } loop)
            return new SendConnectorHostAttempt { Host = host, Port = port, Error = $"Routing loop: {loop}. Mail for this next hop would wait (451 4.4.6) until the route changes." };
        var started = time.GetTimestamp();
        X509Certificate? remoteCertificate = null;
        var connected = false;
        IReadOnlyList<string> capabilities = [];
        string? tlsProtocol = null;
        var authOutcome = connector.SmartHostAuthentication == SmartHostAuthentication.Basic ? "Not attempted" : "Not configured";
        string? error = null;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PerHostTimeout);
        using var client = new SmtpClient();
        client.LocalDomain = string.IsNullOrWhiteSpace(connector.HeloFqdn) ? mailflow.Value.ResolvedFqdn : connector.HeloFqdn;
        client.CheckCertificateRevocation = false;
        client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            remoteCertificate = certificate is null ? null : new X509Certificate2(certificate);
            if (daneRequirement is not null)
                return (daneProblem = daneRequirement.Check(certificate, chain, stsName)) is null;
            if (sts is not null)
            {
                certificateProblem = Smtp.OutboundCertificateValidator.Check(certificate, stsName, trust?.ExtraRoots);
                if (sts.Enforced)
                    return certificateProblem is null;
            }
            // Opportunistic and plain "required" TLS accept any certificate (RFC 7435); validation is the strict policy.
            return connector.TlsPolicy != OutboundTlsPolicy.RequiredWithCertificateValidation || errors == SslPolicyErrors.None;
        };
        var tlsOption = connector.TlsPolicy == OutboundTlsPolicy.Opportunistic && sts is not { Enforced: true } && daneRequirement is null
            ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.StartTls;
        try
        {
            if ((sts is not null || daneRequirement is not null) && host != stsName)
            {
                // Connect to the address, with the MX name as the TLS server name.
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(System.Net.IPAddress.Parse(host), port, timeout.Token);
                    await client.ConnectAsync(socket, stsName, port, tlsOption, timeout.Token);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            else
                await client.ConnectAsync(host, port, tlsOption, timeout.Token);
            connected = true;
            capabilities = DescribeCapabilities(client);
            tlsProtocol = client.IsSecure ? client.SslProtocol.ToString() : null;
            if (connector.SmartHostAuthentication == SmartHostAuthentication.Basic)
                authOutcome = await AuthenticateAsync(client, connector, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"No answer within {PerHostTimeout.TotalSeconds:0} seconds.";
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or SslHandshakeException or IOException
                                       or System.Net.Sockets.SocketException or NotSupportedException or ServiceNotConnectedException)
        {
            error = ex.Message;
        }

        string? policyCheck = null;
        if (sts is not null)
        {
            var problems = new List<string>();
            if (sts.RefuseHost(stsName) is { } notNamedHere)
                problems.Add(notNamedHere);
            if (connected && tlsProtocol is null)
                problems.Add($"{stsName} does not offer STARTTLS");
            else if (certificateProblem is not null)
                problems.Add(certificateProblem.Text);
            policyCheck = problems.Count == 0
                ? (connected ? $"MTA-STS: {stsName} is named by the policy and its certificate is valid." : $"MTA-STS: {stsName} is named by the policy.")
                : $"MTA-STS: {string.Join("; ", problems)}{(sts.Enforced ? " (enforced: mail waits, 451 4.7.5)" : " (report only: mail is delivered anyway)")}.";
        }
        string? daneCheck = null;
        if (daneLookup is not null)
        {
            daneCheck = daneRequirement is not { Usable.Count: > 0 }
                ? daneLookup.Describe(tlsaName) + "."
                : daneProblem is not null
                    ? $"{daneRequirement.Describe()}: {daneProblem.Text} (mail waits, 451 4.7.5)."
                    : connected && tlsProtocol is null || error is not null && tlsProtocol is null
                        ? $"{daneRequirement.Describe()}: {stsName} did not complete STARTTLS (mail waits, 451 4.7.5)."
                        : $"{daneRequirement.Describe()}: the certificate of {stsName} matches.";
        }
        var certificate2 = remoteCertificate as X509Certificate2;
        return new SendConnectorHostAttempt
        {
            Host = host,
            Port = port,
            Connected = connected,
            Error = error ?? (authOutcome.StartsWith("Refused", StringComparison.Ordinal) ? authOutcome : null),
            Capabilities = capabilities,
            TlsProtocol = tlsProtocol,
            CertificateSubject = certificate2?.Subject,
            CertificateIssuer = certificate2?.Issuer,
            CertificateNotBefore = certificate2 is null ? null : new DateTimeOffset(certificate2.NotBefore.ToUniversalTime()),
            CertificateNotAfter = certificate2 is null ? null : new DateTimeOffset(certificate2.NotAfter.ToUniversalTime()),
            AuthOutcome = authOutcome,
            Elapsed = time.GetElapsedTime(started),
            TlsPolicyCheck = policyCheck,
            DaneCheck = daneCheck,
        };
    }

    private async Task<string> AuthenticateAsync(SmtpClient client, SendConnector connector, CancellationToken cancellationToken)
    {
        if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
            return "Refused: the server offers no AUTH.";
        var password = passwords.Unprotect(connector);
        if (password is null)
            return "Refused: no password is stored for this connector.";
        try
        {
            await client.AuthenticateAsync(connector.SmartHostUsername, password, cancellationToken);
            return $"Succeeded as {connector.SmartHostUsername}";
        }
        catch (AuthenticationException ex)
        {
            // The server's reply text only: it never contains the credentials.
            return $"Refused: {ex.Message}";
        }
    }

    /// <summary>EHLO keywords as the server advertised them (RFC 5321 §4.1.1.1), in their registered spelling.</summary>
    private static IReadOnlyList<string> DescribeCapabilities(SmtpClient client)
    {
        var list = new List<string>();
        foreach (var flag in Enum.GetValues<SmtpCapabilities>())
        {
            if (flag == SmtpCapabilities.None || !client.Capabilities.HasFlag(flag))
                continue;
            switch (flag)
            {
                case SmtpCapabilities.Authentication:
                    list.Add($"AUTH {string.Join(" ", client.AuthenticationMechanisms)}");
                    break;
                case SmtpCapabilities.Size:
                    list.Add(client.MaxSize > 0 ? $"SIZE {client.MaxSize}" : "SIZE");
                    break;
                default:
                    list.Add(Keyword(flag));
                    break;
            }
        }
        return list;
    }

    private static string Keyword(SmtpCapabilities flag) => flag switch
    {
        SmtpCapabilities.EightBitMime => "8BITMIME",
        SmtpCapabilities.UTF8 => "SMTPUTF8",
        SmtpCapabilities.StartTLS => "STARTTLS",
        _ => flag.ToString().ToUpperInvariant(),
    };
}
