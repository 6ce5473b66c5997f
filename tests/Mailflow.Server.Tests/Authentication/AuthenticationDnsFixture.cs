using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Route;
using Mailflow.TestSupport;

namespace Mailflow.Server.Tests.Authentication;

/// <summary>A loopback DNS server per test and the node's DNS client pointed at it.</summary>
public abstract class AuthenticationDnsTest : IAsyncLifetime
{
    protected LoopbackDnsServer Zone { get; } = new();

    protected AuthenticationDns Dns(int timeoutMilliseconds = 2000) =>
        new(MxResolver.CreateClient(new DnsOptions { Servers = [Zone.EndPoint.ToString()], TimeoutMilliseconds = timeoutMilliseconds, Retries = 0 }));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Zone.DisposeAsync();
}
