using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Transport.Tracking;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Back pressure on the whole server: a free-disk threshold above the real free space puts the node
/// under High pressure, so MAIL FROM is answered 452 4.3.1 with the reason (and the trace says so);
/// lowering the threshold again lets mail through.
/// </summary>
public sealed class BackPressureWireTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores _stores = new(postgres);

    public void Dispose() => _stores.Dispose();

    private static MimeMessage Message() => new()
    {
        From = { MailboxAddress.Parse("sender@fabrikam.test") },
        To = { MailboxAddress.Parse($"alice@{MailflowHost.DefaultDomain}") },
        Subject = "Hello",
        Body = new TextPart("plain") { Text = "Hi." },
    };

    private static async Task SetDiskThresholdsAsync(MailflowHost host, int megabytes)
    {
        var service = host.Get<OrganizationSettingsService>();
        var settings = await service.GetAsync();
        settings.BackPressureDiskFreeMediumMegabytes = megabytes;
        settings.BackPressureDiskFreeHighMegabytes = megabytes;
        await service.UpdateAsync(AdminActor.System, settings);
        await host.WaitForLatestGenerationAsync();
    }

    private static async Task<BackPressureState> WaitForLevelAsync(MailflowHost host, BackPressureLevel level)
    {
        var status = host.Get<IBackPressureStatus>();
        for (var i = 0; i < 200 && status.Current.Level != level; i++)
            await Task.Delay(50);
        Assert.Equal(level, status.Current.Level);
        return status.Current;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task DiskBelowTheThreshold_Answers452WithWhy_AndRecoversWhenTheThresholdIsLowered(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Mailflow:BackPressure:SampleIntervalMilliseconds"] = "100",
        });
        await host.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"alice@{MailflowHost.DefaultDomain}" });
        var port = host.PortOf("Default Frontend");

        // 10 TB of free space wanted: no test machine has it.
        await SetDiskThresholdsAsync(host, 10_000_000);
        var state = await WaitForLevelAsync(host, BackPressureLevel.High);
        Assert.Matches(@"^free disk space in the data directory: \d+ MB \(high below 10000000 MB\)$", state.Why);

        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message()));
            Assert.Equal(452, (int)refused.StatusCode);
            Assert.Equal(SmtpErrorCode.SenderNotAccepted, refused.ErrorCode);
            Assert.StartsWith("4.3.1 Insufficient system resources (free disk space in the data directory: ", refused.Message);
            await client.DisconnectAsync(true);
        }

        await host.Get<MessageTracker>().FlushAsync();
        await using (var db = TestStores.OpenContext(host.Get<StoreSettings>()))
        {
            var refusal = Assert.Single(await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Agent && e.ReplyCode == 452).ToListAsync());
            Assert.Contains("Back pressure at MAIL FROM", refusal.Detail);
            Assert.Contains("back pressure High: free disk space", refusal.Detail);
        }

        // Recovery: the threshold goes below the real free space (past the hysteresis).
        await SetDiskThresholdsAsync(host, 1);
        var recovered = await WaitForLevelAsync(host, BackPressureLevel.Normal);
        Assert.Equal("", recovered.Why);
        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            Assert.StartsWith("2.6.0", await client.SendAsync(Message()));
            await client.DisconnectAsync(true);
        }
    }
}
