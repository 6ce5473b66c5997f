using Mailflow.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mailflow.Admin.Web.Tests;

/// <summary>
/// The node's real configuration refresh loop, started for one test as the server starts it: a save through
/// any configuration service publishes on the in-process change bus, the loop loads the new snapshot into
/// <see cref="TransportConfigProvider"/>, and the provider raises <see cref="TransportConfigProvider.Changed"/>.
/// </summary>
public sealed class RunningConfigurationRefresh : IAsyncDisposable
{
    private readonly ConfigurationRefreshLoop _loop;

    private RunningConfigurationRefresh(ConfigurationRefreshLoop loop) => _loop = loop;

    public static async Task<RunningConfigurationRefresh> StartAsync(IServiceProvider services)
    {
        var loop = services.GetServices<IHostedService>().OfType<ConfigurationRefreshLoop>().Single();
        // Loads the current generation before returning, like the host before it reports started.
        await loop.StartAsync(CancellationToken.None);
        return new RunningConfigurationRefresh(loop);
    }

    public async ValueTask DisposeAsync() => await _loop.StopAsync(CancellationToken.None);
}
