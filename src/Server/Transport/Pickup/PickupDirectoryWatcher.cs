using System.Security.Cryptography;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Pickup;

/// <summary>
/// The pickup directory (Exchange's): while the organization settings turn it on, this node looks at
/// its pickup directory (<c>&lt;data directory&gt;/pickup</c>, or the configured path) every second and
/// submits each <c>*.eml</c> file through <see cref="PickupSubmitter"/>, at most
/// <see cref="OrganizationSettings.PickupMaxFilesPerMinute"/> a minute (the rest wait for the next
/// minute). A file over <see cref="OrganizationSettings.PickupMaxMessageSizeBytes"/>, one
/// <see cref="PickupMessageReader"/> cannot read, or one the agents refuse goes to <c>badmail/</c> with
/// a <c>.reason</c> text file and an Agent trace event (connector "Pickup", no queue id).
/// <para><b>The crash window.</b> A file is first claimed by renaming it to <c>.eml.pickup</c> (atomic;
/// two nodes sharing the directory never both take it), then stored with its identity — its name and
/// SHA-256 — as the message's <c>pickup.file</c> tag in the message's own store transaction, and only
/// then deleted. A process that dies before the commit leaves the <c>.pickup</c> file and nothing in the
/// store: the next start submits it (no loss). One that dies after the commit but before the delete
/// leaves the file and the tagged message: the next start finds the tag and deletes the file without
/// submitting it again (no double submission). The tag is found as long as the message is in the store
/// (log retention removes completed messages after its configured days).</para>
/// <para>Writers should create a file under another name and rename it to <c>.eml</c> when it is
/// complete, as Exchange asks; a file still being written could be read half-way.</para>
/// </summary>
public sealed partial class PickupDirectoryWatcher(
    TransportConfigProvider config,
    PickupSubmitter submitter,
    IDbContextFactory<MailflowDbContext> dbFactory,
    MessageTracker tracker,
    Mailflow.Cluster.INodeDrainState drain,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<PickupDirectoryWatcher> logger) : BackgroundService
{
    public const string ClaimedExtension = ".pickup";
    public const string BadmailFolder = "badmail";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly Queue<DateTimeOffset> _submittedLastMinute = new();

    /// <summary>The pickup directory under <paramref name="settings"/>: the configured path (relative ones under the data directory) or <c>&lt;data&gt;/pickup</c>.</summary>
    public static string DirectoryFor(OrganizationSettings settings, string dataDirectory) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(settings.PickupDirectoryPath) ? Path.Combine(dataDirectory, "pickup") : Path.Combine(dataDirectory, settings.PickupDirectoryPath));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var snapshot = config.Current;
                if (snapshot.Organization.PickupEnabled && drain.IsActive)
                    await ScanAsync(snapshot, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ScanFailed(logger, ex);
            }
            try
            {
                await Task.Delay(PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One look at the directory: claimed files left by a previous process first, then new files, within the rate.</summary>
    internal async Task ScanAsync(TransportConfig snapshot, CancellationToken cancellationToken)
    {
        var settings = snapshot.Organization;
        var directory = DirectoryFor(settings, options.Value.ResolvedDataDirectory);
        Directory.CreateDirectory(directory);
        foreach (var claimed in Directory.EnumerateFiles(directory, "*.eml" + ClaimedExtension).Order(StringComparer.Ordinal).ToList())
            await ProcessAsync(snapshot, directory, claimed, recovered: true, cancellationToken);

        var now = time.GetUtcNow();
        while (_submittedLastMinute.TryPeek(out var oldest) && now - oldest >= TimeSpan.FromMinutes(1))
            _submittedLastMinute.Dequeue();
        var budget = settings.PickupMaxFilesPerMinute - _submittedLastMinute.Count;
        if (budget <= 0)
            return;
        var files = new DirectoryInfo(directory).EnumerateFiles("*.eml").OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).Take(budget).ToList();
        foreach (var file in files)
        {
            var claimed = file.FullName + ClaimedExtension;
            try
            {
                File.Move(file.FullName, claimed);
            }
            catch (IOException)
            {
                continue; // another node (or a writer) took it
            }
            catch (UnauthorizedAccessException ex)
            {
                Log.CannotClaim(logger, file.FullName, ex);
                continue;
            }
            _submittedLastMinute.Enqueue(time.GetUtcNow());
            await ProcessAsync(snapshot, directory, claimed, recovered: false, cancellationToken);
        }
    }

    private async Task ProcessAsync(TransportConfig snapshot, string directory, string claimed, bool recovered, CancellationToken cancellationToken)
    {
        var settings = snapshot.Organization;
        var name = Path.GetFileName(claimed)[..^ClaimedExtension.Length];
        var length = new FileInfo(claimed).Length;
        if (length > settings.PickupMaxMessageSizeBytes)
        {
            await BadmailAsync(directory, claimed, name, $"The file is {length:N0} bytes; the pickup directory takes at most {settings.PickupMaxMessageSizeBytes:N0} bytes per message.", cancellationToken);
            return;
        }
        var bytes = await File.ReadAllBytesAsync(claimed, cancellationToken);
        var token = TokenFor(name, bytes);
        if (recovered && await AlreadyStoredAsync(token, cancellationToken))
        {
            // Stored before the previous process could delete it: never submit it twice.
            File.Delete(claimed);
            Log.AlreadyStored(logger, name);
            return;
        }
        var message = PickupMessageReader.Read(bytes, PickupMessageReader.MaxRecipients, out var unreadable);
        if (message is null)
        {
            await BadmailAsync(directory, claimed, name, unreadable ?? "The file could not be read as a message.", cancellationToken);
            return;
        }
        var result = await submitter.SubmitAsync(snapshot, message, token, settings.PickupMaxMessageSizeBytes, cancellationToken);
        if (result.QueueId is null)
        {
            await BadmailAsync(directory, claimed, name, $"The transport agents refused the message: {result.Refusal}", cancellationToken);
            return;
        }
        File.Delete(claimed);
        Log.Submitted(logger, name, result.QueueId);
    }

    /// <summary>The file's identity in the store: its name (to the characters a tag keeps as they are) and its SHA-256.</summary>
    public static string TokenFor(string name, byte[] content)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        return $"{safe}:{Convert.ToHexStringLower(SHA256.HashData(content))}";
    }

    private async Task<bool> AlreadyStoredAsync(string token, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Only for files a previous process left claimed: rare, so a scan of the tags is affordable.
        return await db.QueuedMessages.AsNoTracking().AnyAsync(m => m.AgentTags != null && m.AgentTags.Contains(token), cancellationToken);
    }

    private async Task BadmailAsync(string directory, string claimed, string name, string reason, CancellationToken cancellationToken)
    {
        var badmail = Path.Combine(directory, BadmailFolder);
        Directory.CreateDirectory(badmail);
        var target = Path.Combine(badmail, name);
        if (File.Exists(target) || File.Exists(target + ".reason"))
            target = Path.Combine(badmail, $"{Path.GetFileNameWithoutExtension(name)}-{time.GetUtcNow():yyyyMMddHHmmssfff}{Path.GetExtension(name)}");
        // The reason first: a crash between the two leaves the file claimed, and the next start decides again.
        await File.WriteAllTextAsync(target + ".reason", $"{time.GetUtcNow():u} {name}: {reason}{Environment.NewLine}", Encoding.UTF8, cancellationToken);
        File.Move(claimed, target);
        tracker.Track(new MessageTrackingEvent
        {
            Kind = MessageTrackingEventKind.Agent,
            Connector = PickupSubmitter.ConnectorName,
            Agent = "Pickup",
            RemoteHost = "127.0.0.1",
            ReplyCode = 554,
            Reply = $"554 5.6.0 {reason}",
            Reason = reason,
            Detail = $"Pickup file {name} moved to {BadmailFolder}/{Path.GetFileName(target)}: {reason}",
        });
        Log.Badmail(logger, name, reason);
    }

    private static partial class Log
    {
        [LoggerMessage(2400, LogLevel.Error, "Looking at the pickup directory failed; trying again in a second")]
        public static partial void ScanFailed(ILogger logger, Exception exception);

        [LoggerMessage(2401, LogLevel.Warning, "The pickup file {File} cannot be claimed (renamed); leaving it")]
        public static partial void CannotClaim(ILogger logger, string file, Exception exception);

        [LoggerMessage(2402, LogLevel.Information, "The pickup file {Name} was already stored before a restart; deleted without submitting it again")]
        public static partial void AlreadyStored(ILogger logger, string name);

        [LoggerMessage(2403, LogLevel.Information, "Pickup file {Name} submitted as {QueueId}")]
        public static partial void Submitted(ILogger logger, string name, string queueId);

        [LoggerMessage(2404, LogLevel.Warning, "Pickup file {Name} moved to badmail: {Reason}")]
        public static partial void Badmail(ILogger logger, string name, string reason);
    }
}
