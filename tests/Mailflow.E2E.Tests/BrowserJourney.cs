using Microsoft.Playwright;

namespace Mailflow.E2E.Tests;

/// <summary>
/// One browser journey's Chromium, context and page at 1280×800, with the browser's console and failed requests
/// in the test output: the first place to look when a step times out.
/// </summary>
public abstract class BrowserJourney(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;

    protected Xunit.Abstractions.ITestOutputHelper Output { get; } = output;

    protected IBrowserContext Context { get; private set; } = default!;

    protected IPage Page { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        // The server's CSP forbids eval; Playwright's string predicates need it (test-side only).
        Context = await _browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        Page = await Context.NewPageAsync();
        // Generous: a journey's steps wait on a server that shares 2 cores with the rest of the suite.
        Page.SetDefaultTimeout(30_000);
        Page.Console += (_, message) => Output.WriteLine($"[browser {message.Type}] {message.Text}");
        Page.RequestFailed += (_, request) => Output.WriteLine($"[request failed] {request.Url} {request.Failure}");
    }

    public async Task DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
