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

    /// <summary>
    /// Where the browser tests leave screenshots: <c>$TEST_ARTIFACTS/screenshots</c> when TEST_ARTIFACTS is set (CI), else
    /// <c>test-artifacts/screenshots</c> at the repository root (gitignored; test.sh collects its logs there too).
    /// </summary>
    public static string ScreenshotDirectory(string? subdirectory = null)
    {
        var root = Environment.GetEnvironmentVariable("TEST_ARTIFACTS") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(RepositoryRoot(), "test-artifacts");
        var directory = Path.Combine(root, "screenshots", subdirectory ?? "");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static string ScreenshotPath(string name) => Path.Combine(ScreenshotDirectory(), name);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Admin.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
