namespace Mailflow.Server.Transport.Authentication.PublicSuffix;

/// <summary>
/// The list in use: the file at <c>Mailflow:Authentication:PublicSuffixListPath</c> when one is
/// configured (re-read when its modification time changes, checked at most once a minute), else the
/// copy shipped next to the binaries. A configured file that cannot be read keeps the last good list.
/// </summary>
public sealed class PublicSuffixListProvider(string? configuredPath, TimeProvider time, ILogger<PublicSuffixListProvider>? logger = null)
{
    /// <summary>Where the shipped copy lands in the output directory.</summary>
    public static string ShippedPath => System.IO.Path.Combine(AppContext.BaseDirectory, "PublicSuffix", "public_suffix_list.dat");

    private static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);
    private readonly Lock gate = new();
    private PublicSuffixList? current;
    private DateTime loadedWriteTime;
    private DateTimeOffset nextCheck;

    public string FilePath => string.IsNullOrWhiteSpace(configuredPath) ? ShippedPath : configuredPath;

    public PublicSuffixList Current
    {
        get
        {
            lock (gate)
            {
                var now = time.GetUtcNow();
                if (current is not null && now < nextCheck)
                    return current;
                nextCheck = now + CheckInterval;
                try
                {
                    var writeTime = File.GetLastWriteTimeUtc(FilePath);
                    if (current is null || writeTime != loadedWriteTime)
                    {
                        using var reader = File.OpenText(FilePath);
                        var list = PublicSuffixList.Parse(reader);
                        if (list.RuleCount > 0)
                        {
                            current = list;
                            loadedWriteTime = writeTime;
                        }
                    }
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    logger?.LogWarning(exception, "The Public Suffix List at {Path} could not be read; the last good list stays in use", FilePath);
                }
                // Without any readable file, every domain's suffix is its last label (the PSL's implicit "*" rule).
                return current ??= new PublicSuffixList();
            }
        }
    }

    public string OrganizationalDomain(string domain) => Current.OrganizationalDomain(domain);
}
