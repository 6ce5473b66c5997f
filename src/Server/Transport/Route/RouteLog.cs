using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Route;

/// <summary>Route stage log messages, event ids 3000–3999.</summary>
internal static partial class RouteLog
{
    [LoggerMessage(3001, LogLevel.Warning, "DNS lookup of {QueryType} {Name} failed: {Reason}")]
    public static partial void DnsLookupFailed(ILogger logger, string queryType, string name, string reason);

    [LoggerMessage(3002, LogLevel.Information, "Mail for {Domain} cannot be delivered according to DNS: {Code} {Reason}")]
    public static partial void DomainUndeliverable(ILogger logger, string domain, string code, string reason);
}
