using Microsoft.Playwright;

namespace Mailflow.E2E.Tests;

/// <summary>Headless Debian Chromium driven by Playwright (stack recipe §5). Never downloads a browser.</summary>
public static class Browser
{
    public const string InstallCommand = "apt-get update && apt-get install -y -o DPkg::Lock::Timeout=300 chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var path = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        if (!File.Exists(path))
            throw new InvalidOperationException($"Chromium is not installed at {path}. Install it with: {InstallCommand} (or set CHROMIUM_PATH).");
        // The default 5 s is tight on a busy 2-core machine.
        Assertions.SetDefaultExpectTimeout(15_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>test-artifacts/screenshots/ at the repository root (gitignored).</summary>
    public static string ScreenshotPath(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Admin.sln")))
            directory = directory.Parent;
        var root = directory?.FullName ?? AppContext.BaseDirectory;
        var screenshots = Path.Combine(root, "test-artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);
        return Path.Combine(screenshots, name);
    }
}
