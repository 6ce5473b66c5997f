using System.Net;
using DnsClient;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.TestSupport;

namespace Mailflow.Server.Tests.Agents;

/// <summary>Builds what agents see (a snapshot, a session, a message) the way the receive session does, for calling agents directly.</summary>
internal static class AgentTestContext
{
    public static readonly Guid ConnectorId = Guid.Parse("0000000a-0000-0000-0000-000000000001");

    public static TransportConfig Snapshot(ProtectionSettings? protection = null, IEnumerable<IpListEntry>? ipList = null) =>
        new(1, DateTimeOffset.UtcNow,
            [new AcceptedDomain { DomainName = "local.test", IsDefault = true }],
            [], [], [], [], new OrganizationSettings())
        {
            Protection = protection ?? new ProtectionSettings(),
            IpList = [.. ipList ?? []],
        };

    public static AgentSession Session(TransportConfig snapshot, string clientAddress, bool whatIf = false) => new()
    {
        SessionId = "test-session",
        Policy = new ReceivePolicy { ConnectorId = ConnectorId, ConnectorName = "Default Frontend", Fqdn = "mx.local.test", NodeName = "node1" },
        Snapshot = snapshot,
        ClientAddress = IPAddress.Parse(clientAddress),
        ConnectedAt = DateTimeOffset.UtcNow,
        IsWhatIf = whatIf,
    };

    public static AgentMessage Message(string sender = "someone@remote.test")
    {
        var at = sender.IndexOf('@');
        return new AgentMessage { Sender = new SmtpAddress(sender[..at], sender[(at + 1)..], false, false), Parameters = new MailParameters() };
    }

    public static AgentRecipient Recipient(string address)
    {
        var at = address.IndexOf('@');
        var smtp = at < 0 ? new SmtpAddress(address, "", false, false) : new SmtpAddress(address[..at], address[(at + 1)..], false, false);
        return new AgentRecipient(smtp, RcptParameters.None);
    }

    /// <summary>A DNS client like the node's (answers cached per TTL, DNS errors as answers) asking only <paramref name="dns"/>.</summary>
    public static ILookupClient Dns(LoopbackDnsServer dns, int timeoutMilliseconds = 1000) =>
        new LookupClient(new LookupClientOptions(dns.EndPoint)
        {
            Timeout = TimeSpan.FromMilliseconds(timeoutMilliseconds),
            Retries = 0,
            UseCache = true,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            UseTcpFallback = true,
        });
}
