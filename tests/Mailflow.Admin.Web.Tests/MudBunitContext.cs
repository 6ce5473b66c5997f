using Microsoft.Extensions.DependencyInjection;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;

namespace Mailflow.Admin.Web.Tests;

/// <summary>
/// bUnit with MudBlazor in deterministic mode (no transitions, loose JS interop) and a real SQLite
/// store behind the Mailflow services. Disposal goes through <see cref="IAsyncLifetime"/> because
/// MudBlazor's services are only asynchronously disposable (stack recipe §4).
/// </summary>
public abstract class MudBunitContext : BunitContext, IAsyncLifetime
{
    /// <summary>bUnit's default wait is 1 s; the 2-core test machine is often busy.</summary>
    protected static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(15);

    protected MudBunitContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
            options.SnackbarConfiguration.VisibleStateDuration = 60_000;
        });
        Store = TemporarySqliteStore.Create();
        Store.AddTo(Services);
        Services.AddScoped<Time.AdminClock>();
        Services.AddSingleton<Cluster.GenerationStatusReader>();
        Services.AddSingleton<Cluster.NodeListenerStatusReader>();
        Auth = AddAuthorization();
        AddServices(Services);
        // Last: it touches the renderer, after which no service can be added.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected TemporarySqliteStore Store { get; }

    /// <summary>Extra registrations for one test class (called from the constructor, before anything is resolved).</summary>
    protected virtual void AddServices(IServiceCollection services)
    {
    }

    /// <summary>Who the page sees as signed in; set before rendering.</summary>
    protected BunitAuthorizationContext Auth { get; }

    protected void SignInAs(string userName, params string[] roles)
    {
        Auth.SetAuthorized(userName);
        Auth.SetRoles(roles);
    }

    /// <summary>Whether the first-start defaults (mailflow.local, connectors, …) are seeded before each test.</summary>
    protected virtual bool SeedDefaults => true;

    async Task IAsyncLifetime.InitializeAsync() => await TemporarySqliteStore.PrepareAsync(Services, SeedDefaults);

    private RunningConfigurationRefresh? _configurationRefresh;

    /// <summary>Runs the node's configuration refresh loop for this test, so saves reach <see cref="Configuration.TransportConfigProvider"/> as on a server.</summary>
    protected async Task StartConfigurationRefreshAsync() =>
        _configurationRefresh ??= await RunningConfigurationRefresh.StartAsync(Services);

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_configurationRefresh is not null)
            await _configurationRefresh.DisposeAsync();
        await DisposeAsync();
        await Store.DisposeAsync();
    }

    /// <summary>Popovers (select lists, tooltips) and dialogs render into these providers, which must exist before the page.</summary>
    protected (IRenderedComponent<MudPopoverProvider> Popovers, IRenderedComponent<MudDialogProvider> Dialogs) RenderProviders()
    {
        var popovers = Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        return (popovers, dialogs);
    }
}
